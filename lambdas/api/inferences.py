"""The inferences table: one audit record per prediction.

A record says which model answered (package ARN, dataset version, code version), what
it was given (the instance as sent, as JSON text) and what it said, so feedback can be
matched to it and the answer can be explained and replayed for as long as it is kept.
The item format is written down in docs/architecture.md ("Serving contracts").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.api import errors

_BATCH_WRITE_LIMIT = 25
_WRITE_ATTEMPTS = 5
# DynamoDB refuses items over 400 KB; the input may take all of it but this much, which
# leaves room for the ids, the ARN, the dataset version and the prediction.
MAX_ITEM_BYTES = 400 * 1024
MAX_INPUT_BYTES = MAX_ITEM_BYTES - 16 * 1024


@dataclass(frozen=True)
class Inference:
    """One prediction as it is recorded."""

    inference_id: str
    batch_id: str
    variant: str
    model_package_arn: str | None
    version_id: str | None
    code_version: str | None
    input: str
    """The instance as sent, encoded by :func:`encode_input`."""
    prediction: Any
    predicted_at: datetime
    expires_at: datetime


def encode_input(index: int, instance: dict[str, Any]) -> str:
    """The instance as compact JSON text; one too large to record is refused (413)."""
    text = json.dumps(instance, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode("utf-8"))
    if size > MAX_INPUT_BYTES:
        raise errors.PayloadTooLarge(
            f"instance {index} is {size} bytes once recorded; the limit is {MAX_INPUT_BYTES} bytes"
        )
    return text


def expiry(predicted_at: datetime, retention_days: int) -> datetime:
    """When a record made at ``predicted_at`` is deleted by the table's TTL (whole seconds)."""
    return (predicted_at + timedelta(days=retention_days)).replace(microsecond=0)


def put_all(dynamodb: Any, table: str, inferences: Sequence[Inference]) -> None:
    """Write every inference; items DynamoDB leaves unprocessed are sent again."""
    items = [{"PutRequest": {"Item": to_item(i)}} for i in inferences]
    for start in range(0, len(items), _BATCH_WRITE_LIMIT):
        pending = {table: items[start : start + _BATCH_WRITE_LIMIT]}
        for _ in range(_WRITE_ATTEMPTS):
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
        if pending:
            raise RuntimeError(f"{table}: {len(pending[table])} inferences left unwritten")


def get(dynamodb: Any, table: str, inference_id: str) -> Inference | None:
    """The record of ``inference_id``, or None when the table does not know it."""
    item = dynamodb.get_item(
        TableName=table, Key={"inference_id": {"S": inference_id}}, ConsistentRead=True
    ).get("Item")
    return from_item(item) if item else None


def predicted_at(dynamodb: Any, table: str, inference_id: str) -> datetime | None:
    """When ``inference_id`` was predicted, or None when the table does not know it."""
    item = dynamodb.get_item(
        TableName=table,
        Key={"inference_id": {"S": inference_id}},
        ProjectionExpression="predicted_at",
    ).get("Item")
    return datetime.fromisoformat(item["predicted_at"]["S"]) if item else None


def to_item(inference: Inference) -> dict[str, Any]:
    """The DynamoDB item of one record; absent lineage values are left out."""
    item = {
        "inference_id": {"S": inference.inference_id},
        "batch_id": {"S": inference.batch_id},
        "variant": {"S": inference.variant},
        "input": {"S": inference.input},
        "prediction": _attribute(inference.prediction),
        "predicted_at": {"S": inference.predicted_at.isoformat()},
        "expires_at": {"N": str(int(inference.expires_at.timestamp()))},
    }
    for name in ("model_package_arn", "version_id", "code_version"):
        value = getattr(inference, name)
        if value:
            item[name] = {"S": value}
    return item


def from_item(item: dict[str, Any]) -> Inference:
    """A record read back; items written before inputs were kept have ``input`` empty."""

    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    return Inference(
        inference_id=item["inference_id"]["S"],
        batch_id=item["batch_id"]["S"],
        variant=item["variant"]["S"],
        model_package_arn=text("model_package_arn"),
        version_id=text("version_id"),
        code_version=text("code_version"),
        input=text("input") or "",
        prediction=_value(item["prediction"]),
        predicted_at=datetime.fromisoformat(item["predicted_at"]["S"]),
        expires_at=datetime.fromtimestamp(int(item["expires_at"]["N"]), UTC),
    )


def _attribute(prediction: Any) -> dict[str, str]:
    if isinstance(prediction, int | float) and not isinstance(prediction, bool):
        return {"N": repr(prediction)}
    if isinstance(prediction, str):
        return {"S": prediction}
    # Class probabilities and other structured answers are kept as JSON text.
    return {"S": json.dumps(prediction)}


def _value(attribute: dict[str, str]) -> Any:
    if "N" in attribute:
        # DynamoDB keeps the decimal digits exactly, so float() gives back the same double.
        number = attribute["N"]
        return int(number) if number.lstrip("-").isdigit() else float(number)
    text = attribute["S"]
    if text[:1] in ("[", "{"):
        # Written by _attribute as JSON; a label is kept as it is, even "true" or "7".
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text
