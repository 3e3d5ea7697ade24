"""A first model for a fresh local cloud, so a newcomer's first request gets an answer."""

from __future__ import annotations

from collections.abc import Callable

from lambdas.shared import endpoint_state
from shadowloop.ops import datasets, examples, pipeline
from shadowloop.ops.target import Target, TargetError


def ensure_model(
    target: Target, *, rows: int = 4000, on_step: Callable[[str], None] = lambda _: None
) -> str | None:
    """Train and deploy the default model unless the endpoint already serves one.

    Returns the new model package ARN, or None when nothing had to be done.
    """
    state = endpoint_state.describe(target.client("sagemaker"), target.output("EndpointName"))
    if state is not None:
        return None
    dataset = target.config.model.dataset
    on_step(f"pushing {rows} rows of baseline {dataset} data")
    frame = examples.generate("baseline", rows=rows, seed=0)
    version_id = datasets.push_bytes(
        target, frame.to_csv(index=False).encode(), dataset, name="baseline", source="bootstrap"
    )
    on_step("training, evaluating and deploying the first model")
    arn = pipeline.start(target, dataset, version_id=version_id, trigger="manual")
    result = pipeline.follow(target, arn, on_state=lambda s: on_step(f"  {s}"))
    if result.result != "registered":
        raise TargetError(f"the first model was not deployed: {result.reason}")
    return result.model_package_arn
