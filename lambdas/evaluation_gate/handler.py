"""Gate step: ``{run_id, evaluation_uri}`` →
``{decision, reason, metric, candidate, champion, fairness}``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.evaluation_gate.gate import PASS, apply_gate
from lambdas.evaluation_gate.settings import settings
from lambdas.shared import clients, tracing

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("run_id"))
    config = settings()
    spec = config.spec
    result = apply_gate(
        clients.s3(),
        evaluation_uri=event.get("evaluation_uri", ""),
        metric=spec.metric,
        direction=spec.direction,
        threshold=config.threshold,
        max_regression=config.max_regression,
        fairness_limits=spec.fairness,
        task=spec.task,
        trigger=event.get("trigger"),
    )
    name = "CandidatesPassed" if result["decision"] == PASS else "CandidatesRejected"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    logger.info("quality gate decided", extra=result)
    return result
