"""Ground truth sent to the API: ``feedback/yyyy/mm/dd/hh/{inference_id}.json``.

The hour is the prediction's (the API's clock), so a window's labels lie under its
hours. The one reader of that layout (:func:`read_feedback`); its rule for bad input: an
object that is not JSON, has no ``actual`` or names another inference id is counted in
a :class:`~lambdas.shared.capture.Skipped` and skipped, never fatal.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from lambdas.shared.capture import Skipped, hours, keys

FEEDBACK_PREFIX = "feedback"


def read_feedback(
    s3: Any,
    bucket: str,
    skipped: Skipped,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    wanted: set[str] | None = None,
) -> dict[str, Any]:
    """``actual`` by inference id, for predictions in the hours of [start, end] (all without).

    With ``wanted``, only those ids' objects are read (the listing still spans the hours).
    """
    window = start is not None and end is not None
    prefixes = (
        [f"{FEEDBACK_PREFIX}/{h}" for h in hours(start, end)] if window else [f"{FEEDBACK_PREFIX}/"]
    )
    actuals: dict[str, Any] = {}
    for prefix in prefixes:
        for key in keys(s3, bucket, prefix):
            inference_id = key.rsplit("/", 1)[-1].removesuffix(".json")
            if wanted is not None and inference_id not in wanted:
                continue
            actual = _actual(s3.get_object(Bucket=bucket, Key=key)["Body"].read(), inference_id)
            if actual is None:
                skipped.add(f"feedback {key}: not JSON with this id's non-null 'actual'")
            else:
                actuals[inference_id] = actual
    return actuals


def _actual(body: bytes, inference_id: str) -> Any:
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    if not isinstance(answer, dict) or answer.get("inference_id", inference_id) != inference_id:
        return None
    return answer.get("actual")
