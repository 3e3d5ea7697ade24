"""ValidateData step: ``{run_id, dataset, version_id}`` → the pinned, checked dataset version."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.shared import clients, tracing
from lambdas.validate_data.settings import settings
from lambdas.validate_data.validate import DatasetInvalid, validate_dataset

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("run_id"), dataset=event.get("dataset"))
    config = settings()
    try:
        result = validate_dataset(
            clients.s3(),
            data_bucket=config.data_bucket,
            spec=config.spec,
            dataset=event.get("dataset", ""),
            version_id=event.get("version_id"),
        )
    except DatasetInvalid:
        metrics.add_metric(name="DatasetsRejected", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name="DatasetRows", unit=MetricUnit.Count, value=result["rows"])
    logger.info("dataset version validated", extra=result)
    return result
