"""POST /feedback: the observed outcome of one prediction, recorded once on its item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.api import errors, inferences
from lambdas.api.validation import Feedback
from lambdas.shared.contracts import feedback as contract

# The item must exist and carry no answer yet; the check and the write are one request.
_UNANSWERED = "attribute_exists(#id) AND attribute_not_exists(#actual)"


def record(
    feedback: Feedback,
    *,
    dynamodb: Any,
    table: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Add the answer to a known inference's item; a second answer is a conflict."""
    predicted_at = inferences.predicted_at(dynamodb, table, feedback.inference_id)
    if predicted_at is None:
        raise errors.UnknownInference(f"inference_id '{feedback.inference_id}' is unknown")
    received_at = now().isoformat()
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"inference_id": {"S": feedback.inference_id}},
            UpdateExpression="SET #actual = :actual, #hour = :hour, #received = :received",
            ConditionExpression=_UNANSWERED,
            ExpressionAttributeNames={
                "#id": "inference_id",
                "#actual": contract.ACTUAL,
                "#hour": contract.HOUR,
                "#received": contract.RECEIVED_AT,
            },
            ExpressionAttributeValues={
                ":actual": contract.encode_actual(feedback.actual),
                ":hour": {"S": contract.hour_key(predicted_at)},
                ":received": {"S": received_at},
            },
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise errors.FeedbackExists(
                f"feedback for inference_id '{feedback.inference_id}' is already recorded"
            ) from None
        raise
    return {
        "inference_id": feedback.inference_id,
        "actual": feedback.actual,
        "received_at": received_at,
    }
