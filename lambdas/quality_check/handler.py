"""Scheduled quality check: the champion's labelled live traffic against its holdout metric."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.quality_check.metrics import publish_report
from lambdas.quality_check.monitor import DUPLICATE, run_quality_check
from lambdas.quality_check.settings import settings
from lambdas.shared import clients, scheduled, tracing

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()

SUMMARY = ("status", "metric", "estimate", "interval", "reference", "labels", "window")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = run_quality_check(
        s3=clients.s3(),
        dynamodb=clients.client("dynamodb"),
        sagemaker=clients.sagemaker(),
        stepfunctions=clients.stepfunctions(),
        sns=clients.client("sns"),
        settings=settings(),
        window_end=scheduled.window_end(event, "quality check"),
    )
    if report is None:
        logger.info("no endpoint yet; nothing to check")
        metrics.add_metric(name="LabelsUsed", unit=MetricUnit.Count, value=0)
        return {"status": "no_endpoint"}
    if report["outcome"] == DUPLICATE:
        # Counted apart: the run that stored this event's report published its figures.
        logger.info("quality check: event already checked", extra={"window": report["window"]})
        metrics.add_metric(name="DuplicateChecks", unit=MetricUnit.Count, value=1)
        return {k: report.get(k) for k in ("status", "window", "outcome", "retrain_execution_arn")}
    publish_report(metrics, report)
    summary = {k: report.get(k) for k in SUMMARY}
    logger.info("quality checked", extra=summary | {"skipped_reason": report["skipped_reason"]})
    return summary | {
        "outcome": report["outcome"],
        "alert_sent": report["alert_sent"],
        "retrain_started": report["retrain_started"],
        "retrain_execution_arn": report["retrain_execution_arn"],
        "skipped_reason": report["skipped_reason"],
    }
