"""SageMaker data capture: the JSON-lines records under ``capture/{endpoint}/{variant}/``.

Each line holds one request and its response. The request body is
``{"instances": [...], "inference_ids": [...]}``, so one line yields one
:class:`CapturedRecord` per instance. The variant is known only from the key prefix.
A classifier's response also carries ``classes`` and one ``probabilities`` row per
instance; a record keeps its row (``None`` when the response has none or it is malformed,
which never drops the record's prediction).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

CAPTURE_PREFIX = "capture"
FEEDBACK_PREFIX = "feedback"


@dataclass(frozen=True)
class CapturedRecord:
    inference_id: str
    features: dict[str, Any]
    output: Any
    inference_time: str
    classes: list[Any] | None = None
    probabilities: list[float] | None = None


@dataclass
class ParseStats:
    lines: int = 0
    malformed: int = 0
    errors: list[str] = field(default_factory=list)


def variant_prefix(endpoint_name: str, variant: str) -> str:
    return f"{CAPTURE_PREFIX}/{endpoint_name}/{variant}/"


def hour_prefixes(endpoint_name: str, variant: str, start: datetime, end: datetime) -> list[str]:
    """Key prefixes of every capture hour in [start, end]."""
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    prefixes = []
    while hour <= end:
        prefixes.append(f"{variant_prefix(endpoint_name, variant)}{hour:%Y/%m/%d/%H}/")
        hour += timedelta(hours=1)
    return prefixes


def decode(payload: dict[str, Any]) -> Any:
    """The JSON body held by an endpointInput/endpointOutput block."""
    data = payload["data"]
    if payload.get("encoding") == "BASE64":
        data = base64.b64decode(data).decode("utf-8")
    return json.loads(data)


def parse_line(line: str | bytes) -> list[CapturedRecord]:
    """One capture line → its records; raises ValueError on a malformed line."""
    try:
        event = json.loads(line)
        capture = event["captureData"]
        request = decode(capture["endpointInput"])
        response = decode(capture["endpointOutput"])
        metadata = event["eventMetadata"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed capture line: {exc}") from None
    instances = request.get("instances") if isinstance(request, dict) else None
    ids = request.get("inference_ids") if isinstance(request, dict) else None
    if not isinstance(instances, list) or not isinstance(ids, list) or len(ids) != len(instances):
        raise ValueError("malformed capture line: instances and inference_ids do not align")
    predictions = response.get("predictions") if isinstance(response, dict) else None
    if not isinstance(predictions, list) or len(predictions) != len(instances):
        predictions = [None] * len(instances)
    time = metadata.get("inferenceTime", "")
    classes, rows = _probabilities(response, len(instances))
    return [
        CapturedRecord(
            inference_id=i,
            features=f,
            output=p,
            inference_time=time,
            classes=classes if row is not None else None,
            probabilities=row,
        )
        for i, f, p, row in zip(ids, instances, predictions, rows, strict=True)
    ]


def _probabilities(response: Any, count: int) -> tuple[list[Any] | None, list[Any]]:
    """The response's classes and its per-instance probability rows (None where unusable)."""
    classes = response.get("classes") if isinstance(response, dict) else None
    rows = response.get("probabilities") if isinstance(response, dict) else None
    if not isinstance(classes, list) or not isinstance(rows, list) or len(rows) != count:
        return None, [None] * count
    return classes, [_probability_row(row, len(classes)) for row in rows]


def _probability_row(row: Any, width: int) -> list[float] | None:
    if not isinstance(row, list) or len(row) != width:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in row):
        return None
    values = [float(v) for v in row]
    return values if all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values) else None


def parse_lines(lines: Iterable[str | bytes], stats: ParseStats) -> Iterator[CapturedRecord]:
    """Records from many lines; malformed lines are skipped and counted in ``stats``."""
    for line in lines:
        if not line.strip():
            continue
        stats.lines += 1
        try:
            yield from parse_line(line)
        except ValueError as exc:
            stats.malformed += 1
            if len(stats.errors) < 5:
                stats.errors.append(str(exc))


def encode_line(
    request: dict[str, Any],
    response: dict[str, Any],
    *,
    event_id: str,
    inference_id: str | None,
    inference_time: datetime,
) -> str:
    """A capture line as SageMaker writes it (used by the local cloud and tests)."""
    metadata: dict[str, Any] = {
        "eventId": event_id,
        "inferenceTime": inference_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    if inference_id:
        metadata["inferenceId"] = inference_id
    return json.dumps(
        {
            "captureData": {
                "endpointInput": _block(request, "INPUT"),
                "endpointOutput": _block(response, "OUTPUT"),
            },
            "eventMetadata": metadata,
            "eventVersion": "0",
        }
    )


def _block(body: dict[str, Any], mode: str) -> dict[str, str]:
    return {
        "observedContentType": "application/json",
        "mode": mode,
        "data": json.dumps(body),
        "encoding": "JSON",
    }
