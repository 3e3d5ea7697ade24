"""The checks a smoke run makes against a deployed stage, each with a time bound.

They take a :class:`~shadowloop.ops.target.Target` and an API client, so they run the
same against AWS and against the local cloud (where the tests run them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lambdas.shared import capture
from lambdas.shared.contracts import feedback as feedback_contract
from shadowloop.ops.api import ApiClient
from shadowloop.ops.target import Target


class SmokeFailed(RuntimeError):
    """A check found the stage not doing what it should; the message says what."""


def wait_for(
    what: str,
    probe: Callable[[], Any],
    *,
    timeout: float,
    poll: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Call ``probe`` until it returns something truthy, for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise SmokeFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        sleep(poll)


def endpoint_in_service(target: Target, *, timeout: float, poll: float) -> dict[str, Any]:
    """The endpoint, once InService (a failed one fails the check at once)."""
    sagemaker = target.client("sagemaker")
    name = target.output("EndpointName")

    def probe() -> dict[str, Any] | None:
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
        if endpoint["EndpointStatus"] == "Failed":
            raise SmokeFailed(f"endpoint {name} failed: {endpoint.get('FailureReason')}")
        return endpoint if endpoint["EndpointStatus"] == "InService" else None

    return wait_for(f"endpoint {name} to be InService", probe, timeout=timeout, poll=poll)


def predict(api: ApiClient, instances: list[dict[str, Any]], group: str) -> list[str]:
    """POST /predict; checks one numeric prediction per instance from the stage's registry."""
    answer = api.predict(instances)
    predictions = answer.get("predictions") or []
    if len(predictions) != len(instances):
        raise SmokeFailed(f"/predict answered {len(predictions)} predictions for {len(instances)}")
    for item in predictions:
        if not item.get("inference_id") or not isinstance(item.get("prediction"), int | float):
            raise SmokeFailed(f"/predict answered a malformed prediction: {item!r}")
    if f"/{group}/" not in str(answer.get("model_package_arn")):
        raise SmokeFailed(
            f"/predict named a model outside {group}: {answer.get('model_package_arn')}"
        )
    return [item["inference_id"] for item in predictions]


def feedback(target: Target, api: ApiClient, inference_id: str, actual: float) -> str:
    """POST /feedback, then read the answer back from the prediction's item."""
    api.feedback(inference_id, actual)
    table = target.output("InferenceTableName")
    item = (
        target.client("dynamodb")
        .get_item(
            TableName=table,
            Key={"inference_id": {"S": inference_id}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    if item is None:
        raise SmokeFailed(f"no item for {inference_id} in {table}")
    stored = feedback_contract.decode_actual(item.get(feedback_contract.ACTUAL))
    if stored != actual:
        raise SmokeFailed(f"{table} item {inference_id} holds actual {stored!r}, not {actual!r}")
    return f"{table}/{inference_id} (index hour {item[feedback_contract.HOUR]['S']})"


def captured(target: Target, inference_ids: list[str], *, timeout: float, poll: float) -> list[str]:
    """The champion's capture files holding the given inference ids (SageMaker batches them)."""
    s3 = target.client("s3")
    bucket = target.output("CaptureBucketName")
    prefix = capture.variant_prefix(target.output("EndpointName"), "champion")
    wanted = set(inference_ids)

    def probe() -> list[str] | None:
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode()
                records = [
                    r for line in body.splitlines() if line for r in capture.parse_line(line)
                ]
                if wanted & {r.inference_id for r in records}:
                    keys.append(item["Key"])
        return keys or None

    return wait_for(f"captures under s3://{bucket}/{prefix}", probe, timeout=timeout, poll=poll)
