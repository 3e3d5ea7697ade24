"""ComputeBaseline step: ``{run_id, snapshot_uri}`` → ``{uri}`` of the run's statistics.json."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.compute_baseline.baseline import compute_baseline
from lambdas.compute_baseline.settings import settings
from lambdas.shared import clients, tracing
from lambdas.shared.contracts import steps

logger = Logger()
tracer = tracing.tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    run_id, snapshot_uri = _parse(event)
    config = settings()
    uri = compute_baseline(
        clients.s3(),
        run_id=run_id,
        snapshot_uri=snapshot_uri,
        artifact_bucket=config.artifact_bucket,
        spec=config.spec,
    )
    logger.info("baseline written", extra={"run_id": run_id, "uri": uri})
    return steps.COMPUTE_BASELINE.answer(uri=uri)


def _parse(event: dict[str, Any]) -> tuple[str, str]:
    run_id, snapshot_uri = event.get("run_id"), event.get("snapshot_uri")
    for name, value in (("run_id", run_id), ("snapshot_uri", snapshot_uri)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"ComputeBaseline event: {name} is missing")
    return run_id, snapshot_uri
