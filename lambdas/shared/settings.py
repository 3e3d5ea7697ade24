"""Settings that infra passes to every Lambda as environment variables.

Read at call time, never at import, so a handler module imports without any
environment (tests, the local cloud, cold starts with a bad config all fail at
the first call with a message naming the variable).
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from lambdas.shared.contracts.model_spec import Fairness, Feature, ModelSpec

__all__ = ["Fairness", "Feature", "ModelSpec", "model_spec"]

# The one list of variable names; infra sets them, handlers read them.
PROJECT = "PROJECT"
MODEL_SPEC = "MODEL_SPEC"
MODEL_SPEC_URI = "MODEL_SPEC_URI"
DATA_BUCKET = "DATA_BUCKET"
ARTIFACT_BUCKET = "ARTIFACT_BUCKET"
CAPTURE_BUCKET = "CAPTURE_BUCKET"
MODEL_PACKAGE_GROUP = "MODEL_PACKAGE_GROUP"
ENDPOINT_NAME = "ENDPOINT_NAME"
STATE_MACHINE_ARN = "STATE_MACHINE_ARN"
GATE_THRESHOLD = "GATE_THRESHOLD"
GATE_MAX_REGRESSION = "GATE_MAX_REGRESSION"
APPROVAL_STATUS = "APPROVAL_STATUS"
SAGEMAKER_ROLE_ARN = "SAGEMAKER_ROLE_ARN"
INFERENCE_IMAGE_URI = "INFERENCE_IMAGE_URI"
KMS_KEY_ARN = "KMS_KEY_ARN"
ENDPOINT_INSTANCE_TYPE = "ENDPOINT_INSTANCE_TYPE"
ENDPOINT_INSTANCE_COUNT = "ENDPOINT_INSTANCE_COUNT"
ENDPOINT_INSTANCE_STORAGE = "ENDPOINT_INSTANCE_STORAGE"
SERVERLESS = "SERVERLESS"
SHADOW_SAMPLING_PERCENT = "SHADOW_SAMPLING_PERCENT"
CAPTURE_SAMPLING_PERCENT = "CAPTURE_SAMPLING_PERCENT"
MAX_BATCH = "MAX_BATCH"
PROMOTION_MARGIN = "PROMOTION_MARGIN"
PROMOTION_MIN_LABELLED = "PROMOTION_MIN_LABELLED"
PROMOTION_ALPHA = "PROMOTION_ALPHA"
DRIFT_THRESHOLDS = "DRIFT_THRESHOLDS"
DRIFT_MIN_ROWS = "DRIFT_MIN_ROWS"
DRIFT_COOLDOWN_MINUTES = "DRIFT_COOLDOWN_MINUTES"
QUALITY_RULE = "QUALITY_RULE"
QUALITY_LABEL_DELAY_MINUTES = "QUALITY_LABEL_DELAY_MINUTES"
QUALITY_COOLDOWN_MINUTES = "QUALITY_COOLDOWN_MINUTES"
RETRAIN_LOOKBACK_HOURS = "RETRAIN_LOOKBACK_HOURS"
ALERTS_TOPIC_ARN = "ALERTS_TOPIC_ARN"
ROLLBACK_ALARMS = "ROLLBACK_ALARMS"
CODE_VERSION = "CODE_VERSION"
INFERENCE_TABLE = "INFERENCE_TABLE"
AUDIT_RETENTION_DAYS = "AUDIT_RETENTION_DAYS"
DEPLOY_FUNCTION_NAME = "DEPLOY_FUNCTION_NAME"


class SettingError(RuntimeError):
    """A required environment variable is missing or malformed."""


def text(name: str) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        raise SettingError(f"environment variable {name} is not set")
    return value


def optional_text(name: str) -> str | None:
    return os.environ.get(name) or None


def number(name: str) -> float:
    raw = text(name)
    try:
        return float(raw)
    except ValueError:
        raise SettingError(f"environment variable {name}={raw!r} is not a number") from None


def integer(name: str) -> int:
    raw = text(name)
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"environment variable {name}={raw!r} is not an integer") from None


def flag(name: str) -> bool:
    return text(name).lower() in ("1", "true", "yes")


def json_value(name: str) -> Any:
    raw = text(name)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingError(f"environment variable {name} is not valid JSON: {exc}") from None


def model_spec() -> ModelSpec:
    """The spec in the S3 object ``MODEL_SPEC_URI`` names, else inline ``MODEL_SPEC`` JSON.

    Infra sets the URI: a spec with many features outgrows Lambda's 4 KB of variables.
    """
    uri = optional_text(MODEL_SPEC_URI)
    raw = _spec_object(uri) if uri else json_value(MODEL_SPEC)
    try:
        return ModelSpec.from_dict(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingError(f"the model spec is incomplete: {exc}") from None


@cache
def _spec_object(uri: str) -> Any:
    """Read once per cold start; the object is a content-addressed asset, so it never changes."""
    from lambdas.shared import clients, s3uri

    bucket, key = s3uri.parse(uri)
    body = clients.s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise SettingError(f"{MODEL_SPEC_URI}: {uri} is not valid JSON: {exc}") from None
