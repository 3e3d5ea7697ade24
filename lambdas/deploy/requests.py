"""Pure builders of the SageMaker requests the deploy function sends.

moto validates no request shapes and drops ``ShadowProductionVariants``, so these
builders are tested as pure functions; the deploy logic only passes their output on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.deploy.settings import EndpointOptions
from lambdas.shared.endpoint_state import CHALLENGER, CHAMPION

TAG_CHAMPION = "shadowloop:champion"
TAG_CHALLENGER = "shadowloop:challenger"
TAG_PREVIOUS_CHAMPION = "shadowloop:previous-champion"
TAG_MODEL_PACKAGE = "shadowloop:model-package"

# Serverless endpoints take memory and concurrency instead of instances; these
# fit the scikit-learn models this platform trains.
SERVERLESS_MEMORY_MB = 2048
SERVERLESS_MAX_CONCURRENCY = 5
# All-at-once blue/green: the new fleet takes all traffic, and the rollback
# alarms watch it for this long before the old fleet is terminated.
BAKE_SECONDS = 600
DEPLOYMENT_TIMEOUT_SECONDS = 3600


def model_name(project: str, package_version: int, suffix: str) -> str:
    """The SageMaker Model name for one model package version."""
    return f"{project}-v{package_version}-{suffix}"


def endpoint_config_name(project: str, now: datetime) -> str:
    # Microseconds keep names unique when changes follow each other quickly.
    return f"{project}-config-{now:%Y%m%d-%H%M%S-%f}"


def build_model(*, name: str, model_package_arn: str, role_arn: str) -> dict[str, Any]:
    """CreateModel arguments: the package's container carries image, artifact and script."""
    return {
        "ModelName": name,
        "ExecutionRoleArn": role_arn,
        "PrimaryContainer": {"ModelPackageName": model_package_arn},
        "Tags": [{"Key": TAG_MODEL_PACKAGE, "Value": model_package_arn}],
    }


def build_variant(
    *, variant_name: str, model_name: str, weight: float, options: EndpointOptions
) -> dict[str, Any]:
    variant: dict[str, Any] = {
        "VariantName": variant_name,
        "ModelName": model_name,
        "InitialVariantWeight": weight,
    }
    if options.serverless:
        variant["ServerlessConfig"] = {
            "MemorySizeInMB": SERVERLESS_MEMORY_MB,
            "MaxConcurrency": SERVERLESS_MAX_CONCURRENCY,
        }
    else:
        variant["InitialInstanceCount"] = options.instance_count
        variant["InstanceType"] = options.instance_type
    return variant


def build_data_capture(options: EndpointOptions) -> dict[str, Any]:
    """Capture of both variants' requests and responses (SageMaker adds endpoint/variant)."""
    return {
        "EnableCapture": True,
        "InitialSamplingPercentage": options.capture_sampling_percent,
        "DestinationS3Uri": f"s3://{options.capture_bucket}/capture",
        "KmsKeyId": options.kms_key_arn,
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "CaptureContentTypeHeader": {
            "JsonContentTypes": ["application/json"],
            "CsvContentTypes": ["text/csv"],
        },
    }


def build_tags(
    *, champion: str, challenger: str | None, previous_champion: str | None
) -> list[dict[str, str]]:
    """Config tags: which packages it serves, and what a rollback restores."""
    tags = [{"Key": TAG_CHAMPION, "Value": champion}]
    if challenger:
        tags.append({"Key": TAG_CHALLENGER, "Value": challenger})
    if previous_champion:
        tags.append({"Key": TAG_PREVIOUS_CHAMPION, "Value": previous_champion})
    return tags


def build_endpoint_config(
    *,
    name: str,
    champion_model: str,
    challenger_model: str | None,
    tags: list[dict[str, str]],
    options: EndpointOptions,
) -> dict[str, Any]:
    """CreateEndpointConfig arguments: champion in production, challenger in shadow.

    Serverless endpoints support neither shadow variants nor data capture, so a
    serverless config never carries either.
    """
    if challenger_model and options.serverless:
        raise ValueError("serverless endpoints cannot host a challenger shadow variant")
    config: dict[str, Any] = {
        "EndpointConfigName": name,
        "ProductionVariants": [
            build_variant(
                variant_name=CHAMPION, model_name=champion_model, weight=1.0, options=options
            )
        ],
        "Tags": tags,
    }
    if challenger_model:
        config["ShadowProductionVariants"] = [
            build_variant(
                variant_name=CHALLENGER,
                model_name=challenger_model,
                weight=options.shadow_sampling_percent / 100,
                options=options,
            )
        ]
    if not options.serverless:
        config["DataCaptureConfig"] = build_data_capture(options)
        # SageMaker refuses a volume key for instance types with local instance storage.
        if not options.instance_storage:
            config["KmsKeyId"] = options.kms_key_arn
    return config


def build_deployment_config(options: EndpointOptions, *, shadow: bool) -> dict[str, Any] | None:
    """UpdateEndpoint's DeploymentConfig, or None for a plain update.

    Guardrails need the new config to keep the old config's variant names, and
    AWS documents them neither together with shadow variants nor for serverless
    endpoints. A config that carries a shadow leaves the production variant's
    model as it was, so it gets a plain update. A champion-only config (promote,
    retire, rollback) gets all-at-once blue/green watched by the rollback alarms.
    """
    if shadow or options.serverless:
        return None
    deployment: dict[str, Any] = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "ALL_AT_ONCE",
                "WaitIntervalInSeconds": BAKE_SECONDS,
            },
            "MaximumExecutionTimeoutInSeconds": DEPLOYMENT_TIMEOUT_SECONDS,
        }
    }
    if options.rollback_alarms:
        deployment["AutoRollbackConfiguration"] = {
            "Alarms": [{"AlarmName": name} for name in options.rollback_alarms]
        }
    return deployment
