"""Register step: the run's state → ``{arn, version, approval_status}`` of the new package."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.register_model.package import register_model
from lambdas.register_model.settings import settings
from lambdas.shared import clients, tracing

logger = Logger()
tracer = tracing.tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("run_id"))
    config = settings()
    result = register_model(
        clients.sagemaker(), event=event, spec=config.spec, settings=config.registry
    )
    logger.info("candidate registered", extra=result)
    return result
