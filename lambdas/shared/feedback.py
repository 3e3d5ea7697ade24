"""Ground truth sent to the API, read back through the inferences table's feedback index.

The hour is the prediction's (the API's clock), so a window's labels lie under its
hours: one Query per hour, each page up to 1 MB (about 10,000 labels of ~100 bytes).
The one reader of that layout (:func:`read_feedback`); its rule for bad input: an item
whose ``actual`` is neither a number nor a label is counted in a
:class:`~lambdas.shared.capture.Skipped` and skipped, never fatal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from lambdas.shared.capture import Skipped
from lambdas.shared.contracts import feedback as contract


def read_feedback(
    dynamodb: Any,
    table: str,
    skipped: Skipped,
    *,
    start: datetime,
    end: datetime,
    wanted: set[str] | None = None,
) -> dict[str, Any]:
    """``actual`` by inference id, for predictions in the hours of [start, end].

    With ``wanted``, only those ids are kept (the index is still read hour by hour).
    """
    actuals: dict[str, Any] = {}
    for hour in contract.hour_keys(start, end):
        for item in _labelled(dynamodb, table, hour):
            inference_id = (item.get(contract.SORT) or {}).get("S")
            if wanted is not None and inference_id not in wanted:
                continue
            actual = contract.decode_actual(item.get(contract.ACTUAL))
            if not inference_id or actual is None:
                skipped.add(f"feedback {inference_id!r} of {hour}: no number or label 'actual'")
            else:
                actuals[inference_id] = actual
    return actuals


def _labelled(dynamodb: Any, table: str, hour: str) -> Iterator[dict[str, Any]]:
    """The index items of one hour, page by page."""
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        IndexName=contract.INDEX,
        KeyConditionExpression="#hour = :hour",
        ExpressionAttributeNames={"#hour": contract.HOUR},
        ExpressionAttributeValues={":hour": {"S": hour}},
    )
    for page in pages:
        yield from page.get("Items", [])
