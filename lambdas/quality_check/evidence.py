"""The champion's judged predictions: captured in a window, joined with their feedback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lambdas.shared.capture import MAX_REASONS, CapturedRecord, Skipped, read_captures
from lambdas.shared.endpoint_state import CHAMPION
from lambdas.shared.feedback import read_feedback
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
    records_skipped: int = 0
    """Capture lines and feedback items the readers could not read."""
    skipped_reasons: list[str] = field(default_factory=list)

    def add_skipped(self, skipped: Skipped) -> None:
        self.records_skipped += skipped.count
        self.skipped_reasons = [*self.skipped_reasons, *skipped.reasons][:MAX_REASONS]


def labelled_predictions(
    s3: Any,
    dynamodb: Any,
    *,
    bucket: str,
    table: str,
    endpoint_name: str,
    task: str,
    start: datetime,
    end: datetime,
    stats: EvidenceStats,
) -> list[Labelled]:
    """Champion predictions made in (start, end] that have scorable feedback."""
    skipped = Skipped()
    captured = _by_id(
        read_captures(s3, bucket, endpoint_name, CHAMPION, skipped, start=start, end=end)
    )
    # Feedback is filed under the API's clock at prediction time, captures under
    # SageMaker's: look for an id's feedback from a day before its capture hour.
    actuals = read_feedback(
        dynamodb, table, skipped, start=start - FEEDBACK_CLOCK_SKEW, end=end, wanted=set(captured)
    )
    stats.add_skipped(skipped)
    rows = []
    for inference_id, record in captured.items():
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
    skipped = Skipped()
    records = read_captures(s3, bucket, endpoint_name, CHAMPION, skipped, start=start, end=end)
    captured = list(_by_id(records).values())
    stats.add_skipped(skipped)
    return captured


def _by_id(records: Iterable[CapturedRecord]) -> dict[str, CapturedRecord]:
    """One record per inference id (a retried request is captured again; the last counts)."""
    return {record.inference_id: record for record in records}
