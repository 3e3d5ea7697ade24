"""GET /inferences/{inference_id}: a prediction's record and the lineage of its model."""

from __future__ import annotations

import json
from typing import Any

from lambdas.api import errors, inferences
from lambdas.api.inferences import Inference
from lambdas.api.models import LINEAGE_KEYS
from lambdas.shared import registry


def explain(inference_id: str, *, dynamodb: Any, sagemaker: Any, table: str) -> dict[str, Any]:
    """The record of one prediction plus its model as the registry describes it now."""
    record = inferences.get(dynamodb, table, inference_id)
    if record is None:
        raise errors.UnknownInference(
            f"inference_id '{inference_id}' is unknown (never predicted, or past its retention)"
        )
    return {**describe_record(record), "model": model(sagemaker, record.model_package_arn)}


def describe_record(record: Inference) -> dict[str, Any]:
    """The stored record as the API shows it: the input decoded, times in ISO 8601."""
    return {
        "inference_id": record.inference_id,
        "batch_id": record.batch_id,
        "variant": record.variant,
        "predicted_at": record.predicted_at.isoformat(),
        "expires_at": record.expires_at.isoformat(),
        "model_package_arn": record.model_package_arn,
        "version_id": record.version_id,
        "code_version": record.code_version,
        "input": json.loads(record.input) if record.input else None,
        "prediction": record.prediction,
    }


def model(sagemaker: Any, arn: str | None) -> dict[str, Any] | None:
    """The package's identity, approval and lineage; None without a package or once deleted."""
    if arn is None:
        return None
    try:
        package = registry.describe_lineage(sagemaker, arn)
    except registry.ModelPackageNotFound:
        return None
    return {
        "model_package_arn": package["arn"],
        "version": package["version"],
        "approval_status": package["approval_status"],
        "approval_description": package["approval_description"],
        **{name: package[name] for name in registry.APPROVAL_PROPERTIES},
        "model_data_url": package["model_data_url"],
        "lineage": {name: package[name] for name in LINEAGE_KEYS},
    }
