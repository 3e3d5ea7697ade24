"""Lazy, cached AWS clients: nothing is created at import time.

Endpoints come from the standard AWS configuration (``AWS_ENDPOINT_URL`` and
friends), so the same code talks to AWS or to any compatible endpoint.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Throttling is retried by the SDK with its adaptive mode before it surfaces.
_CONFIG = Config(
    retries={"max_attempts": 5, "mode": "adaptive"}, connect_timeout=5, read_timeout=30
)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


def s3() -> Any:
    return client("s3")


def sagemaker() -> Any:
    return client("sagemaker")


# The API must answer inside API Gateway's 29 s, so a failing endpoint gets two retries
# (at most about 3 s of backoff) before the 503, not the five above.
_RUNTIME_CONFIG = _CONFIG.merge(Config(retries={"max_attempts": 2, "mode": "adaptive"}))


@cache
def sagemaker_runtime() -> Any:
    return boto3.client("sagemaker-runtime", config=_RUNTIME_CONFIG)


def stepfunctions() -> Any:
    return client("stepfunctions")


def cloudwatch() -> Any:
    return client("cloudwatch")


def clear() -> None:
    """Forget cached clients (tests and the local cloud switch endpoints)."""
    client.cache_clear()
    sagemaker_runtime.cache_clear()
