"""The drift check's memory in S3 and the captured inputs of one window, as columns."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from itertools import chain
from operator import itemgetter
from typing import Any

from lambdas.shared import capture

STATE_KEY = "monitoring/drift/state.json"
REPORT_PREFIX = "monitoring/drift/reports/"
CHUNK_ROWS = 10_000


@dataclass(frozen=True)
class DriftState:
    last_window_end: datetime | None = None
    last_retrain_started_at: datetime | None = None


def parse_state(raw: Any) -> DriftState:
    """The state stored as ``raw`` (None on the first run: an empty one)."""
    if not isinstance(raw, dict):
        return DriftState()
    return DriftState(**{k: _time(raw.get(k)) for k in DriftState.__dataclass_fields__})


def state_body(state: DriftState) -> dict[str, str | None]:
    return {k: iso(v) if v else None for k, v in asdict(state).items()}


def merge(stored: DriftState, mine: DriftState) -> DriftState:
    """Both runs' progress: neither the window end nor the last retraining moves back."""
    return DriftState(
        last_window_end=_later(stored.last_window_end, mine.last_window_end),
        last_retrain_started_at=_later(
            stored.last_retrain_started_at, mine.last_retrain_started_at
        ),
    )


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((t for t in (a, b) if t is not None), default=None)


def bounds(last_end: datetime | None, now: datetime, most: timedelta) -> tuple[datetime, datetime]:
    """(start, end] of the next window: from the last end (first: ``most`` back), ``most`` long."""
    start = last_end or now - most
    return start, min(start + most, now)


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
