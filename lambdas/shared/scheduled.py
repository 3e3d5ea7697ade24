"""The time a scheduled check works on: its EventBridge event's, not the clock's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


class EventTimeMissing(ValueError):
    """The event has no readable time, so the check cannot tell which window is due."""


def window_end(event: Any, check: str) -> datetime:
    """``window_end`` (tests, replays) or the scheduled event's ``time``, in UTC.

    An event without a readable one raises :class:`EventTimeMissing`: guessing the clock
    would check a window nobody scheduled and name a retraining after it.
    """
    raw = (event.get("window_end") or event.get("time")) if isinstance(event, dict) else None
    try:
        moment = datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise EventTimeMissing(
            f"{check} event: 'time' (or 'window_end') {raw!r} is not an ISO 8601 time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
