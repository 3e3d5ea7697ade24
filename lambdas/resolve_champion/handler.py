"""ResolveChampion step: ``{run_id}`` → the champion's package, artifact and staging prefix."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.resolve_champion.champion import resolve_champion
from lambdas.resolve_champion.settings import settings
from lambdas.shared import clients, tracing

logger = Logger()
tracer = tracing.tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("run_id"))
    config = settings()
    result = resolve_champion(
        clients.sagemaker(),
        clients.s3(),
        run_id=event.get("run_id", ""),
        endpoint_name=config.endpoint_name,
        group=config.group,
        artifact_bucket=config.artifact_bucket,
    )
    logger.info("champion resolved", extra=result)
    return result
