"""POST /feedback: the observed outcome of one prediction, stored once in S3."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.api import errors, inferences
from lambdas.api.validation import Feedback
from lambdas.shared import s3uri
from lambdas.shared.feedback import FEEDBACK_PREFIX

# S3 answers 412 to a failed If-None-Match, and 409 when two writes race.
_ALREADY_WRITTEN = {"PreconditionFailed", "ConditionalRequestConflict"}


def feedback_key(inference_id: str, predicted_at: datetime) -> str:
    """``feedback/{yyyy/mm/dd/hh of the prediction}/{inference_id}.json``."""
    return f"{FEEDBACK_PREFIX}/{predicted_at.astimezone(UTC):%Y/%m/%d/%H}/{inference_id}.json"


def record(
    feedback: Feedback,
    *,
    s3: Any,
    dynamodb: Any,
    bucket: str,
    table: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Store the feedback for a known inference; a second answer is a conflict."""
    predicted_at = inferences.predicted_at(dynamodb, table, feedback.inference_id)
    if predicted_at is None:
        raise errors.UnknownInference(f"inference_id '{feedback.inference_id}' is unknown")
    key = feedback_key(feedback.inference_id, predicted_at)
    body = {
        "inference_id": feedback.inference_id,
        "actual": feedback.actual,
        "received_at": now().isoformat(),
    }
    try:
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=json.dumps(body).encode("utf-8"),
            ContentType="application/json",
            IfNoneMatch="*",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _ALREADY_WRITTEN:
            raise errors.FeedbackExists(
                f"feedback for inference_id '{feedback.inference_id}' is already recorded"
            ) from None
        raise
    return {"inference_id": feedback.inference_id, "stored": s3uri.build(bucket, key)}
