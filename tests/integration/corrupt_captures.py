"""Capture lines corrupted in the three ways that once stopped a scheduled check.

Each builder returns one line whose single record would otherwise be valid, so a
reader that skips it must count it; the reason it gives contains ``REASONS[kind]``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from lambdas.shared.capture import encode_line

DEPTH = 5_000
REASONS = {
    "metadata_string": "eventMetadata is not an object",
    "nested_5000_deep": "RecursionError",
    "number_400_digits": "float64",
}


def corrupt_line(kind: str, instance: dict[str, Any], inference_id: str, at: datetime) -> str:
    """One capture line of ``instance`` corrupted as ``kind`` says."""
    first = next(iter(instance))
    request: dict[str, Any] = {"instances": [instance], "inference_ids": [inference_id]}
    if kind == "number_400_digits":
        request["instances"] = [{**instance, first: int("9" * 400)}]
    line = json.loads(
        encode_line(
            request,
            {"predictions": [30.0]},
            event_id=inference_id,
            inference_id=inference_id,
            inference_time=at,
        )
    )
    if kind == "metadata_string":
        line["eventMetadata"] = line["eventMetadata"]["inferenceTime"]
    if kind == "nested_5000_deep":
        # json.dumps itself would overflow the stack at this depth, so splice the text.
        nested = "[" * DEPTH + "]" * DEPTH
        data = json.dumps({**request, "instances": [{**instance, first: "NESTED"}]})
        line["captureData"]["endpointInput"]["data"] = data.replace('"NESTED"', nested)
    return json.dumps(line)
