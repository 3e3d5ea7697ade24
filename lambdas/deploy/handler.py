"""Deploy Lambda: the endpoint's one owner (pipeline, promotion check, custom resource)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.deploy.actions import Context
from lambdas.deploy.events import handle_event
from lambdas.deploy.settings import settings
from lambdas.shared import clients, tracing

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Not the whole event: a CloudFormation request carries a pre-signed response URL.
    logger.info(
        "deploy request", extra={"request": event.get("action") or event.get("RequestType")}
    )
    ctx = Context(sagemaker=clients.sagemaker(), options=settings())
    result = handle_event(ctx, event)
    if result.get("operation") in ("create", "update"):
        metrics.add_metric(name="EndpointChanges", unit=MetricUnit.Count, value=1)
    return result
