"""The drift check's memory in S3 and the captured inputs of one window, as columns."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import Any

from botocore.exceptions import ClientError

from lambdas.shared import capture

STATE_KEY = "monitoring/drift/state.json"
REPORT_PREFIX = "monitoring/drift/reports/"
CHUNK_ROWS = 10_000


@dataclass(frozen=True)
class DriftState:
    last_window_end: datetime | None = None
    last_retrain_started_at: datetime | None = None


def load_state(s3: Any, bucket: str) -> DriftState:
    """The stored state, or an empty one on the first run."""
    try:
        body = s3.get_object(Bucket=bucket, Key=STATE_KEY)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return DriftState()
        raise
    raw = json.loads(body)
    return DriftState(**{k: _time(raw.get(k)) for k in DriftState.__dataclass_fields__})


def save_state(s3: Any, bucket: str, state: DriftState) -> None:
    body = {k: iso(v) if v else None for k, v in asdict(state).items()}
    s3.put_object(Bucket=bucket, Key=STATE_KEY, Body=json.dumps(body).encode())


def report_key(window_end: datetime) -> str:
    return f"{REPORT_PREFIX}{iso(window_end)}.json"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iter_feature_chunks(
    s3: Any,
    *,
    bucket: str,
    endpoint_name: str,
    variant: str,
    start: datetime,
    end: datetime,
    skipped: capture.Skipped,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[dict[str, Sequence[Any]]]:
    """Column chunks of the instances captured in (start, end]; unreadable ones are skipped.

    A chunk closes at the first request that takes it to ``chunk_rows`` instances or more.
    """
    batch: list[dict[str, Any]] = []
    for request in capture.read_requests(
        s3, bucket, endpoint_name, variant, skipped, start=start, end=end
    ):
        for inference_id, features in zip(request.inference_ids, request.instances, strict=True):
            if isinstance(features, dict):
                batch.append(features)
            else:
                skipped.add(f"capture {inference_id!r}: the instance is not an object")
        if len(batch) >= chunk_rows:
            yield _columns(batch)
            batch = []
    if batch:
        yield _columns(batch)


def _columns(records: list[dict[str, Any]]) -> dict[str, Sequence[Any]]:
    """Records → columns; a key absent from some records reads as missing there."""
    names = list(dict.fromkeys(chain.from_iterable(records)))
    # The common case, every record with every key: transposed in C, not key by key.
    if len(names) > 1 and set(map(len, records)) == {len(names)}:
        return dict(zip(names, zip(*map(itemgetter(*names), records), strict=True), strict=True))
    return {name: [record.get(name) for record in records] for name in names}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None
