"""Scheduled drift check: compares the champion's captured inputs with its baseline."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.drift_check.metrics import publish_report
from lambdas.drift_check.monitor import DUPLICATE, BaselineUnavailable, run_drift_check
from lambdas.drift_check.settings import settings
from lambdas.shared import clients, scheduled, tracing

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    window_end = scheduled.window_end(event, "drift check")
    try:
        report = run_drift_check(
            s3=clients.s3(),
            sagemaker=clients.sagemaker(),
            stepfunctions=clients.stepfunctions(),
            settings=settings(),
            window_end=window_end,
        )
    except BaselineUnavailable as exc:
        logger.error("drift check stopped: baseline unavailable", extra={"reason": str(exc)})
        metrics.add_metric(name="BaselineUnavailable", unit=MetricUnit.Count, value=1)
        raise
    if report is None:
        logger.info("no endpoint yet; nothing to check")
        metrics.add_metric(name="RowsChecked", unit=MetricUnit.Count, value=0)
        return {"status": "no_endpoint"}
    if report["outcome"] == DUPLICATE:
        # Counted apart: a repeated event's rows were already counted by the run that checked them.
        logger.info("drift check: event already checked", extra={"window": report["window"]})
        metrics.add_metric(name="DuplicateChecks", unit=MetricUnit.Count, value=1)
        return {k: report.get(k) for k in ("status", "window", "outcome", "retrain_execution_arn")}
    publish_report(metrics, report)
    summary = {k: report[k] for k in ("status", "rows", "drifted", "drift_share", "window")}
    logger.info("drift checked", extra=summary | {"skipped_reason": report["skipped_reason"]})
    return summary | {
        "outcome": report["outcome"],
        "retrain_started": report["retrain_started"],
        "retrain_execution_arn": report["retrain_execution_arn"],
        "skipped_reason": report["skipped_reason"],
    }
