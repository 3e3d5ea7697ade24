"""PrepareRetrainingData step: ``{run_id, dataset, trigger}`` → the new dataset version."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.prepare_retraining_data.retraining import prepare_retraining_data
from lambdas.prepare_retraining_data.settings import settings
from lambdas.shared import clients, tracing

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("run_id", ""), dataset=event.get("dataset"))
    config = settings()
    result = prepare_retraining_data(
        clients.s3(),
        clients.sagemaker(),
        clients.client("dynamodb"),
        data_bucket=config.data_bucket,
        capture_bucket=config.capture_bucket,
        inference_table=config.inference_table,
        endpoint_name=config.endpoint_name,
        spec=config.spec,
        dataset=event.get("dataset", ""),
        run_id=event.get("run_id", ""),
        trigger=event.get("trigger", "drift"),
        lookback_hours=config.lookback_hours,
    )
    metrics.add_metric(name="RetrainingRows", unit=MetricUnit.Count, value=result["captured_rows"])
    metrics.add_metric(
        name="RecordsSkipped", unit=MetricUnit.Count, value=result["records_skipped"]
    )
    logger.info("retraining data prepared", extra=result)
    return result
