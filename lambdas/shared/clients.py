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


def sagemaker_runtime() -> Any:
    return client("sagemaker-runtime")


def stepfunctions() -> Any:
    return client("stepfunctions")


def cloudwatch() -> Any:
    return client("cloudwatch")


def clear() -> None:
    """Forget cached clients (tests and the local cloud switch endpoints)."""
    client.cache_clear()
