"""The time a scheduled check works on: its EventBridge event's, not the clock's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def window_end(event: dict[str, Any], check: str) -> datetime:
    """``window_end`` (tests, replays) or the scheduled event's ``time``; now without either."""
    raw = event.get("window_end") or event.get("time")
    if not raw:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{check} event: window_end/time {raw!r} is not an ISO time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
