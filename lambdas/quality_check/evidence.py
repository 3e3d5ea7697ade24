"""The champion's judged predictions: captured in a window, joined with their feedback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lambdas.shared import traffic
from lambdas.shared.capture import CapturedRecord, ParseStats
from lambdas.shared.endpoint_state import CHAMPION
from lambdas.shared.quality import usable

FEEDBACK_CLOCK_SKEW = timedelta(hours=24)


@dataclass(frozen=True)
class Labelled:
    """One prediction with its ground truth, and the captured columns to group by."""

    prediction: Any
    actual: Any
    features: dict[str, Any]
    classes: list[Any] | None = None
    probabilities: list[float] | None = None


@dataclass
class EvidenceStats:
    captured: int = 0
    unlabelled: int = 0
    unscorable: int = 0
    malformed_capture_lines: int = 0
    malformed_feedback: int = 0
    errors: list[str] = field(default_factory=list)


def labelled_predictions(
    s3: Any,
    *,
    bucket: str,
    endpoint_name: str,
    task: str,
    start: datetime,
    end: datetime,
    stats: EvidenceStats,
) -> list[Labelled]:
    """Champion predictions made in (start, end] that have scorable feedback."""
    capture_stats, feedback_stats = ParseStats(), ParseStats()
    captured = traffic.read_captures(s3, bucket, endpoint_name, CHAMPION, start, end, capture_stats)
    # Feedback is filed under the API's clock at prediction time, captures under
    # SageMaker's: look for an id's feedback from a day before its capture hour.
    actuals = traffic.read_feedback(
        s3, bucket, start - FEEDBACK_CLOCK_SKEW, end, feedback_stats, wanted=set(captured)
    )
    stats.malformed_capture_lines += capture_stats.malformed
    stats.malformed_feedback += feedback_stats.malformed
    stats.errors.extend((capture_stats.errors + feedback_stats.errors)[:5])
    rows = []
    for inference_id, record in captured.items():
        moment = _time(record.inference_time)
        if moment is None:
            stats.malformed_capture_lines += 1
            continue
        if not start < moment <= end:
            continue
        stats.captured += 1
        if inference_id not in actuals:
            stats.unlabelled += 1
        elif not (usable(task, record.output) and usable(task, actuals[inference_id])):
            stats.unscorable += 1
        else:
            features = record.features if isinstance(record.features, dict) else {}
            rows.append(
                Labelled(
                    record.output,
                    actuals[inference_id],
                    features,
                    record.classes,
                    record.probabilities,
                )
            )
    return rows


def captured_predictions(
    s3: Any,
    *,
    bucket: str,
    endpoint_name: str,
    start: datetime,
    end: datetime,
    stats: EvidenceStats,
) -> list[CapturedRecord]:
    """Every champion prediction made in (start, end], labelled or not (for the estimate)."""
    capture_stats = ParseStats()
    captured = traffic.read_captures(s3, bucket, endpoint_name, CHAMPION, start, end, capture_stats)
    stats.malformed_capture_lines += capture_stats.malformed
    stats.errors.extend(capture_stats.errors[:5])
    records = []
    for record in captured.values():
        moment = _time(record.inference_time)
        if moment is not None and start < moment <= end:
            records.append(record)
    return records


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None
