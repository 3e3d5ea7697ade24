"""SageMaker data capture: the JSON-lines records under ``capture/{endpoint}/{variant}/``.

The one reader of that layout (:func:`read_captures`). Its rule for bad input: a line
that cannot be parsed (whatever its bytes, shape or nesting), or a record without a readable
``inferenceTime``, a string inference id, or numbers a float64 can hold, is counted in a
:class:`Skipped` and skipped, never fatal.

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
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

CAPTURE_PREFIX = "capture"
# The C scanner behind json.loads, called directly (see _loads).
_SCAN = json.JSONDecoder().scan_once
# How many reasons a Skipped keeps for the report; the count has them all.
MAX_REASONS = 5


@dataclass(frozen=True)
class CapturedRecord:
    inference_id: str
    features: dict[str, Any]
    output: Any
    inference_time: str
    classes: list[Any] | None = None
    probabilities: list[float] | None = None


@dataclass
class Skipped:
    """Records a reader could not read: counted and skipped, the first few reasons kept."""

    count: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str) -> None:
        self.count += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason)


def variant_prefix(endpoint_name: str, variant: str) -> str:
    return f"{CAPTURE_PREFIX}/{endpoint_name}/{variant}/"


def hours(start: datetime, end: datetime) -> list[str]:
    """``yyyy/mm/dd/hh/`` of every UTC hour in [start, end]."""
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    out = []
    while hour <= end:
        out.append(f"{hour:%Y/%m/%d/%H}/")
        hour += timedelta(hours=1)
    return out


class Request(NamedTuple):
    """One captured request as read from its line: instances, their ids, the response."""

    inference_ids: list[Any]
    instances: list[Any]
    response: Any
    inference_time: Any


def read_captures(
    s3: Any,
    bucket: str,
    endpoint_name: str,
    variant: str,
    skipped: Skipped,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Iterator[CapturedRecord]:
    """A variant's records predicted in (start, end], oldest file first.

    With ``start`` alone, every record after it: one listing that starts at its hour's
    keys (they sort by time), so earlier hours are never listed or read. With neither,
    all of them. Streams file by file, so a long window never sits in memory at once.
    """
    for request in read_requests(s3, bucket, endpoint_name, variant, skipped, start=start, end=end):
        for record in _records(request):
            reason = unreadable(record)
            if reason:
                skipped.add(f"capture {_short(record.inference_id)}: {reason}")
            else:
                yield record


def read_requests(
    s3: Any,
    bucket: str,
    endpoint_name: str,
    variant: str,
    skipped: Skipped,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Iterator[Request]:
    """The requests behind :func:`read_captures`' records, one per line, same rule and order.

    For readers that need only the inputs (the drift check): no record per instance.
    """
    for key in _window_keys(s3, bucket, variant_prefix(endpoint_name, variant), start, end):
        # One object at a time, whole: a capture object is a few MB at most.
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        for request in _requests(body.splitlines(), skipped):
            moment = _moment(request.inference_time)
            if moment is None:
                for inference_id in request.inference_ids:
                    skipped.add(f"capture {_short(inference_id)}: no readable inferenceTime")
            elif (start is None or start < moment) and (end is None or moment <= end):
                yield request


def _requests(lines: Iterable[str | bytes], skipped: Skipped) -> Iterator[Request]:
    for line in lines:
        if not line.strip():
            continue
        try:
            request = parse_request(line)
        except ValueError as exc:
            skipped.add(str(exc))
            continue
        # Only a line holding a run of 309 digits can hold an integer past float64's range.
        if _LONG_DIGITS.search(line if isinstance(line, bytes) else line.encode()) and any(
            _out_of_range(v) for v in _top_level_values(request)
        ):
            for inference_id in request.inference_ids:
                skipped.add(f"capture {_short(inference_id)}: a number outside the float64 range")
            continue
        yield request


_LONG_DIGITS = re.compile(rb"\d{309}")


def _top_level_values(request: Request) -> Iterator[Any]:
    for instance in request.instances:
        if isinstance(instance, dict):
            yield from instance.values()
    predictions = (
        request.response.get("predictions") if isinstance(request.response, dict) else None
    )
    if isinstance(predictions, list):
        yield from predictions


def _window_keys(
    s3: Any, bucket: str, prefix: str, start: datetime | None, end: datetime | None
) -> Iterator[str]:
    if start is None:
        yield from sorted(keys(s3, bucket, prefix))
    elif end is None:
        yield from sorted(keys(s3, bucket, prefix, start_after=prefix + hours(start, start)[0]))
    else:
        for hour in hours(start, end):
            yield from sorted(keys(s3, bucket, prefix + hour))


def unreadable(record: CapturedRecord) -> str | None:
    """Why a parsed record cannot be used downstream, or None when it can."""
    # A number past float64 never gets here: read_requests skips its line.
    if not isinstance(record.inference_id, str) or not record.inference_id:
        return "the inference id is not a string"
    return None


def _out_of_range(value: Any) -> bool:
    return isinstance(value, int) and abs(value) > sys.float_info.max


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str | int | float | None) else type(value).__name__
    return text[:80]


def inference_time(record: CapturedRecord) -> datetime | None:
    """When the record was predicted, or None when its time is missing or naive."""
    return _moment(record.inference_time)


def _moment(text: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else None


def keys(s3: Any, bucket: str, prefix: str, *, start_after: str = "") -> Iterator[str]:
    after = {"StartAfter": start_after} if start_after else {}
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, **after)
    for page in pages:
        for item in page.get("Contents") or []:
            yield item["Key"]


def decode(payload: dict[str, Any]) -> Any:
    """The JSON body held by an endpointInput/endpointOutput block."""
    data = payload["data"]
    if payload.get("encoding") == "BASE64":
        data = base64.b64decode(data).decode("utf-8")
    return _loads(data)


def _loads(text: str | bytes) -> Any:
    """``json.loads``, minus its wrapper's cost for text that is exactly one JSON value.

    Anything else (bytes, surrounding whitespace, an error) goes to ``json.loads``, so the
    value and the error are always its own.
    """
    if isinstance(text, str):
        try:
            value, end = _SCAN(text, 0)
        except (StopIteration, ValueError):
            return json.loads(text)
        if end == len(text):
            return value
    return json.loads(text)


def parse_request(line: str | bytes) -> Request:
    """One capture line's request and response; raises ValueError on a malformed line."""
    try:
        event = _loads(line)
        capture = event["captureData"]
        request = decode(capture["endpointInput"])
        response = decode(capture["endpointOutput"])
        metadata = event["eventMetadata"]
        if not isinstance(metadata, dict):
            raise ValueError("eventMetadata is not an object")
        time = metadata.get("inferenceTime", "")
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        # RecursionError: a line nested deeper than the decoder's limit.
        raise ValueError(f"malformed capture line: {type(exc).__name__}: {exc}"[:200]) from None
    instances = request.get("instances") if isinstance(request, dict) else None
    ids = request.get("inference_ids") if isinstance(request, dict) else None
    if not isinstance(instances, list) or not isinstance(ids, list) or len(ids) != len(instances):
        raise ValueError("malformed capture line: instances and inference_ids do not align")
    if not instances:
        raise ValueError("malformed capture line: the request holds no instances")
    return Request(ids, instances, response, time)


def parse_line(line: str | bytes) -> list[CapturedRecord]:
    """One capture line → its records; raises ValueError on a malformed line."""
    return _records(parse_request(line))


def _records(request: Request) -> list[CapturedRecord]:
    ids, instances, response, time = request
    predictions = response.get("predictions") if isinstance(response, dict) else None
    if not isinstance(predictions, list) or len(predictions) != len(instances):
        predictions = [None] * len(instances)
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
    if any(_out_of_range(v) for v in row):
        return None
    values = [float(v) for v in row]
    return values if all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values) else None


def parse_lines(lines: Iterable[str | bytes], skipped: Skipped) -> Iterator[CapturedRecord]:
    """Records from many lines; malformed lines are counted in ``skipped`` and skipped."""
    for request in _requests(lines, skipped):
        yield from _records(request)


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
