"""PinDataset step: ``{run_id, dataset, version_id}`` → the pinned snapshot and its size."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.pin_dataset.pin import pin_dataset
from lambdas.pin_dataset.settings import settings
from lambdas.shared import clients, tracing

logger = Logger()
tracer = tracing.tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    logger.append_keys(run_id=event.get("run_id"), dataset=event.get("dataset"))
    result = pin_dataset(
        clients.s3(),
        data_bucket=settings().data_bucket,
        dataset=event.get("dataset", ""),
        version_id=event.get("version_id"),
    )
    logger.info("dataset version pinned", extra=result)
    return result
