"""Register step: the run's state → ``{arn, version, approval_status}`` of the new package."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.register_model.package import RegistrySettings, register_model
from lambdas.shared import clients, settings

logger = Logger()
# Only the AWS calls are traced: patching every library X-Ray knows costs cold start.
tracer = Tracer(patch_modules=("botocore",))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("run_id"))
    result = register_model(
        clients.sagemaker(),
        event=event,
        spec=settings.model_spec(),
        settings=_registry_settings(),
    )
    logger.info("candidate registered", extra=result)
    return result


def _registry_settings() -> RegistrySettings:
    return RegistrySettings(
        group=settings.text(settings.MODEL_PACKAGE_GROUP),
        approval_status=settings.text(settings.APPROVAL_STATUS),
        image_uri=settings.text(settings.INFERENCE_IMAGE_URI),
        code_version=settings.text(settings.CODE_VERSION),
        data_bucket=settings.text(settings.DATA_BUCKET),
        instance_type=settings.optional_text(settings.ENDPOINT_INSTANCE_TYPE),
    )
