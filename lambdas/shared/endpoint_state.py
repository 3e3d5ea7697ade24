"""What the endpoint serves now: the champion and challenger variants and their packages.

The variant names are fixed by role (deployment guardrails require the new config
to keep the old config's names); a model's identity lives in its model package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

CHAMPION = "champion"
CHALLENGER = "challenger"


@dataclass(frozen=True)
class Variant:
    name: str
    model_name: str
    model_package_arn: str | None


@dataclass(frozen=True)
class EndpointState:
    endpoint_name: str
    endpoint_config_name: str
    status: str
    champion: Variant
    challenger: Variant | None
    failure_reason: str | None = None
    """Set after a failed change; the endpoint then serves the config it had."""


def describe(sagemaker: Any, endpoint_name: str) -> EndpointState | None:
    """The endpoint's current state, or None when it does not exist."""
    try:
        endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    except ClientError as exc:
        if _is_missing(exc):
            return None
        raise
    config_name = endpoint["EndpointConfigName"]
    config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
    production = config["ProductionVariants"][0]
    shadows = config.get("ShadowProductionVariants") or []
    return EndpointState(
        endpoint_name=endpoint_name,
        endpoint_config_name=config_name,
        status=endpoint.get("EndpointStatus", "Unknown"),
        champion=_variant(sagemaker, production),
        challenger=_variant(sagemaker, shadows[0]) if shadows else None,
        failure_reason=endpoint.get("FailureReason"),
    )


def model_package_of(sagemaker: Any, model_name: str) -> str | None:
    """The model package a SageMaker Model was created from."""
    model = sagemaker.describe_model(ModelName=model_name)
    containers = [model.get("PrimaryContainer") or {}, *(model.get("Containers") or [])]
    for container in containers:
        if container.get("ModelPackageName"):
            return container["ModelPackageName"]
    return None


def _variant(sagemaker: Any, variant: dict[str, Any]) -> Variant:
    model_name = variant["ModelName"]
    return Variant(
        name=variant["VariantName"],
        model_name=model_name,
        model_package_arn=model_package_of(sagemaker, model_name),
    )


def _is_missing(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    return error.get("Code") in ("ValidationException", "ResourceNotFound") and (
        "Could not find" in error.get("Message", "") or "not found" in error.get("Message", "")
    )
