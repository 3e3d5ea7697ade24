"""The quality check's memory in S3: which champion it watches, since when, how many looks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

STATE_KEY = "monitoring/quality/state.json"
REPORT_PREFIX = "monitoring/quality/reports/"
_TIMES = ("champion_since", "judged_until", "last_retrain_started_at", "estimated_until")


@dataclass(frozen=True)
class QualityState:
    champion_model_package_arn: str | None = None
    champion_since: datetime | None = None
    judged_until: datetime | None = None
    """Predictions up to here were judged; the next look starts after it."""
    looks: int = 0
    """Decided looks (ok or degraded) on this champion; each spends a share of alpha."""
    last_status: str | None = None
    last_retrain_started_at: datetime | None = None
    fairness_breach_streak: int = 0
    """Consecutive decided looks whose live fairness broke a limit (see live_fairness.py)."""
    estimated_until: datetime | None = None
    """Predictions up to here have a label-free estimate; the next starts after it."""
    flagged_streak: int = 0
    """Consecutive decided looks whose estimate and realized metric were flagged apart."""


def parse_state(raw: Any) -> QualityState:
    """The state stored as ``raw`` (None on the first run: an empty one)."""
    if not isinstance(raw, dict):
        return QualityState()
    values = {f.name: raw.get(f.name) for f in fields(QualityState)}
    for name in _TIMES:
        values[name] = datetime.fromisoformat(values[name]) if values[name] else None
    values["looks"] = int(values["looks"] or 0)
    values["fairness_breach_streak"] = int(values["fairness_breach_streak"] or 0)
    values["flagged_streak"] = int(values["flagged_streak"] or 0)
    return QualityState(**values)


def state_body(state: QualityState) -> dict[str, Any]:
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in asdict(state).items()}


def merge(stored: QualityState, mine: QualityState) -> QualityState:
    """Both runs' progress: the one judged further keeps its counts, no time moves back."""
    ahead = mine if _order(mine.judged_until) > _order(stored.judged_until) else stored
    return replace(
        ahead,
        judged_until=_later(stored.judged_until, mine.judged_until),
        estimated_until=_later(stored.estimated_until, mine.estimated_until),
        last_retrain_started_at=_later(
            stored.last_retrain_started_at, mine.last_retrain_started_at
        ),
    )


def _order(moment: datetime | None) -> float:
    return moment.timestamp() if moment else float("-inf")


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((t for t in (a, b) if t is not None), default=None)


def report_key(window_end: datetime) -> str:
    return f"{REPORT_PREFIX}{iso(window_end)}.json"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
