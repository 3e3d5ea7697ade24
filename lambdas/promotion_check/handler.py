"""Promotion check Lambda (EventBridge schedule): challenger vs champion, then act."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.promotion_check.check import Clients, check_promotion, lambda_invoker
from lambdas.promotion_check.settings import settings
from lambdas.shared import clients, scheduled, tracing

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()

# Report field → published metric; nulls (no data yet) are not published.
_METRICS = (
    ("ChampionMetric", ("champion", "metric"), MetricUnit.NoUnit),
    ("ChallengerMetric", ("challenger", "metric"), MetricUnit.NoUnit),
    ("Agreement", ("agreement",), MetricUnit.NoUnit),
    ("LabelledRecords", ("labelled",), MetricUnit.Count),
    ("RecordsSkipped", ("evidence", "records_skipped"), MetricUnit.Count),
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = settings()
    report = check_promotion(
        Clients(
            clients.sagemaker(), clients.s3(), clients.cloudwatch(), clients.client("dynamodb")
        ),
        config,
        lambda_invoker(clients.client("lambda"), config.deploy_function_name),
        now=scheduled.window_end(event, "promotion check"),
    )
    for name, path, unit in _METRICS:
        value = _lookup(report, path)
        if value is not None:
            metrics.add_metric(name=name, unit=unit, value=value)
    return report


def _lookup(report: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = report
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value
