"""Endpoint configs with shadow variants, and update_endpoint: two gaps in moto's SageMaker.

moto drops ``ShadowProductionVariants`` and has no ``update_endpoint``; these keep the
shadow variant on the config (and its summary on the endpoint) and switch an endpoint
to a new config as a finished SageMaker update leaves it (``endpoint_changes`` decides
when an update has finished).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse


def attach_shadow_variants(
    backend: SageMakerModelBackend, config: FakeEndpointConfig, shadows: list | None
) -> None:
    """Keep the shadow variants on the config, so describe_endpoint_config returns them."""
    if not shadows:
        return
    if len(config.production_variants) != 1 or len(shadows) != 1:
        backend.endpoint_configs.pop(config.endpoint_config_name, None)
        raise ValidationError(
            "An endpoint config with ShadowProductionVariants must have exactly one "
            "production variant and one shadow variant."
        )
    try:
        config.validate_production_variants(shadows)
        backend.validate_production_variants(shadows)
    except ValidationError:
        backend.endpoint_configs.pop(config.endpoint_config_name, None)
        raise
    config.shadow_production_variants = shadows


def shadow_of(config: FakeEndpointConfig) -> dict[str, Any] | None:
    shadows = getattr(config, "shadow_production_variants", None) or []
    return shadows[0] if shadows else None


def sync_shadow_summary(backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> None:
    config = backend.endpoint_configs[endpoint.endpoint_config_name]
    shadow = shadow_of(config)
    endpoint.shadow_production_variants = (
        endpoint._process_production_variants([shadow]) if shadow else None
    )


def endpoint_not_found(backend: SageMakerModelBackend, endpoint_name: str) -> ValidationError:
    arn = FakeEndpoint.arn_formatter(endpoint_name, backend.account_id, backend.region_name)
    return ValidationError(message=f"Could not find endpoint '{arn}'.")


def find_config(backend: SageMakerModelBackend, endpoint_config_name: str) -> FakeEndpointConfig:
    config = backend.endpoint_configs.get(endpoint_config_name)
    if config is None:
        arn = FakeEndpointConfig.arn_formatter(
            endpoint_config_name, backend.account_id, backend.region_name
        )
        raise ValidationError(message=f"Could not find endpoint configuration '{arn}'.")
    return config


def apply_config(
    backend: SageMakerModelBackend,
    endpoint: FakeEndpoint,
    config: FakeEndpointConfig,
    *,
    retain_all_variant_properties: bool = False,
    deployment_config: dict[str, Any] | None = None,
) -> None:
    """Point the endpoint at a config, as a finished update leaves it; the old config stays."""
    variants = endpoint._process_production_variants(config.production_variants)
    if retain_all_variant_properties:
        current = {v["VariantName"]: v for v in endpoint.production_variants}
        variants = [current.get(v["VariantName"], v) for v in variants]
    endpoint.endpoint_config_name = config.endpoint_config_name
    endpoint.production_variants = variants
    endpoint.data_capture_config = config.data_capture_config
    endpoint.last_modified_time = utcnow()
    if deployment_config:
        endpoint.last_deployment_config = deployment_config
    sync_shadow_summary(backend, endpoint)


def response_create_endpoint_config(response: SageMakerResponse) -> Any:
    endpoint_config = response.sagemaker_backend.create_endpoint_config(
        endpoint_config_name=response._get_param("EndpointConfigName"),
        async_inference_config=response._get_param("AsyncInferenceConfig"),
        production_variants=response._get_param("ProductionVariants"),
        data_capture_config=response._get_param("DataCaptureConfig"),
        tags=response._get_param("Tags"),
        kms_key_id=response._get_param("KmsKeyId"),
        shadow_production_variants=response._get_param("ShadowProductionVariants"),
    )
    return ActionResult({"EndpointConfigArn": endpoint_config.endpoint_config_arn})


def response_update_endpoint(response: SageMakerResponse) -> Any:
    endpoint = response.sagemaker_backend.update_endpoint(
        endpoint_name=response._get_param("EndpointName"),
        endpoint_config_name=response._get_param("EndpointConfigName"),
        retain_all_variant_properties=bool(response._get_param("RetainAllVariantProperties")),
        deployment_config=response._get_param("DeploymentConfig"),
    )
    return ActionResult({"EndpointArn": endpoint.arn})
