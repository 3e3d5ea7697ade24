"""Feedback on the inference item, and the sparse index the checks read it through.

``POST /feedback`` adds three attributes to the prediction's item in the inferences
table (docs/architecture.md "Serving contracts"): ``actual`` (a DynamoDB number, or a
string label kept as sent), ``feedback_received_at`` (ISO 8601) and ``labelled_hour``
(``yyyy-mm-ddThh`` of the *prediction* time, UTC). Only labelled items carry
``labelled_hour``, so the index :data:`INDEX` on (``labelled_hour``, ``inference_id``)
holds exactly the labelled predictions, one partition per hour, projecting ``actual``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

INDEX = "feedback-by-hour"
HOUR = "labelled_hour"
SORT = "inference_id"
ACTUAL = "actual"
RECEIVED_AT = "feedback_received_at"
PROJECTED = (ACTUAL,)
# A string label longer than this is refused, so a labelled item stays under 400 KB.
MAX_LABEL_BYTES = 1024


def hour_key(at: datetime) -> str:
    """The index partition of predictions made in ``at``'s UTC hour."""
    return f"{at.astimezone(UTC):%Y-%m-%dT%H}"


def hour_keys(start: datetime, end: datetime) -> list[str]:
    """Every hour key from ``start``'s hour to ``end``'s, both included."""
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    keys = []
    while hour <= end:
        keys.append(hour_key(hour))
        hour += timedelta(hours=1)
    return keys


def encode_actual(actual: Any) -> dict[str, str]:
    """A number as a DynamoDB number, a label as a string (``"7"`` stays a string)."""
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        return {"N": repr(actual)}
    return {"S": str(actual)}


def decode_actual(attribute: Any) -> Any:
    """The value :func:`encode_actual` wrote; None when the attribute is neither kind."""
    if not isinstance(attribute, dict):
        return None
    if isinstance(attribute.get("N"), str):
        number = attribute["N"]
        try:
            return int(number) if number.lstrip("-").isdigit() else float(number)
        except ValueError:
            return None
    text = attribute.get("S")
    return text if isinstance(text, str) and text else None
