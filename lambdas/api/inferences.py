"""The inferences table: one item per prediction, so feedback can be matched to it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

RETENTION = timedelta(days=30)
_BATCH_WRITE_LIMIT = 25
_WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class Inference:
    inference_id: str
    batch_id: str
    variant: str
    model_package_arn: str | None
    prediction: Any
    predicted_at: datetime


def put_all(dynamodb: Any, table: str, inferences: Sequence[Inference]) -> None:
    """Write every inference; items DynamoDB leaves unprocessed are sent again."""
    items = [{"PutRequest": {"Item": _item(i)}} for i in inferences]
    for start in range(0, len(items), _BATCH_WRITE_LIMIT):
        pending = {table: items[start : start + _BATCH_WRITE_LIMIT]}
        for _ in range(_WRITE_ATTEMPTS):
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
        if pending:
            raise RuntimeError(f"{table}: {len(pending[table])} inferences left unwritten")


def predicted_at(dynamodb: Any, table: str, inference_id: str) -> datetime | None:
    """When ``inference_id`` was predicted, or None when the table does not know it."""
    item = dynamodb.get_item(
        TableName=table,
        Key={"inference_id": {"S": inference_id}},
        ProjectionExpression="predicted_at",
    ).get("Item")
    return datetime.fromisoformat(item["predicted_at"]["S"]) if item else None


def _item(inference: Inference) -> dict[str, Any]:
    expires_at = int((inference.predicted_at + RETENTION).timestamp())
    item = {
        "inference_id": {"S": inference.inference_id},
        "batch_id": {"S": inference.batch_id},
        "variant": {"S": inference.variant},
        "prediction": _attribute(inference.prediction),
        "predicted_at": {"S": inference.predicted_at.isoformat()},
        "expires_at": {"N": str(expires_at)},
    }
    if inference.model_package_arn:
        item["model_package_arn"] = {"S": inference.model_package_arn}
    return item


def _attribute(prediction: Any) -> dict[str, str]:
    if isinstance(prediction, int | float) and not isinstance(prediction, bool):
        return {"N": repr(prediction)}
    if isinstance(prediction, str):
        return {"S": prediction}
    # Class probabilities and other structured answers are kept as JSON text.
    return {"S": json.dumps(prediction)}
