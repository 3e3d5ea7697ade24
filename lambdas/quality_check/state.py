"""The quality check's memory in S3: which champion it watches, since when, how many looks."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

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


def load_state(s3: Any, bucket: str) -> QualityState:
    """The stored state, or an empty one on the first run."""
    try:
        body = s3.get_object(Bucket=bucket, Key=STATE_KEY)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return QualityState()
        raise
    raw = json.loads(body)
    values = {f.name: raw.get(f.name) for f in fields(QualityState)}
    for name in _TIMES:
        values[name] = datetime.fromisoformat(values[name]) if values[name] else None
    values["looks"] = int(values["looks"] or 0)
    values["fairness_breach_streak"] = int(values["fairness_breach_streak"] or 0)
    values["flagged_streak"] = int(values["flagged_streak"] or 0)
    return QualityState(**values)


def save_state(s3: Any, bucket: str, state: QualityState) -> None:
    body = {k: iso(v) if isinstance(v, datetime) else v for k, v in asdict(state).items()}
    s3.put_object(Bucket=bucket, Key=STATE_KEY, Body=json.dumps(body).encode())


def report_key(window_end: datetime) -> str:
    return f"{REPORT_PREFIX}{iso(window_end)}.json"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
