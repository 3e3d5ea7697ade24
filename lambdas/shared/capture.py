"""SageMaker data capture: the JSON-lines records under ``capture/{endpoint}/{variant}/``.

Each line holds one request and its response. The request body is
``{"instances": [...], "inference_ids": [...]}``, so one line yields one
:class:`CapturedRecord` per instance. The variant is known only from the key prefix.
"""

from __future__ import annotations

import base64
import json
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
    return [
        CapturedRecord(inference_id=i, features=f, output=p, inference_time=time)
        for i, f, p in zip(ids, instances, predictions, strict=True)
    ]


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
