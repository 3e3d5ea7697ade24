"""The label-free estimate of a window, and its comparison with the realized metric.

The estimate covers every champion prediction since the last check, labelled or not, so
it speaks long before labels arrive. The comparison is made on the rows of a decided
look (the labelled ones the quality verdict judged), so windows never share rows and the
flagged streak counts distinct windows; a flagged gap in two consecutive windows means
the relationship changed (``lambdas/shared/performance_estimate.py``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from lambdas.quality_check.evidence import Labelled
from lambdas.shared import registry, s3uri
from lambdas.shared.capture import CapturedRecord
from lambdas.shared.performance_estimate import (
    LASTING_WINDOWS,
    Calibration,
    CalibrationError,
    compare,
    estimate,
)

RELATIONSHIP_CHANGED = "relationship_changed"


def load_calibration(
    s3: Any, sagemaker: Any, champion: str | None
) -> tuple[Calibration | None, str | None]:
    """The champion's calibration and its URI; (None, reason) when it has none to use."""
    if not champion:
        return None, "no champion"
    uri = registry.describe_lineage(sagemaker, champion).get("calibration_uri")
    if not uri:
        return None, "the champion's package names no calibration"
    bucket, key = s3uri.parse(uri)
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return Calibration.from_dict(json.loads(body)), uri
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
            raise
        return None, f"{uri} does not exist"
    except (CalibrationError, ValueError) as exc:
        return None, f"{uri}: {exc}"


def window_estimate(
    records: Sequence[CapturedRecord], calibration: Calibration | None
) -> dict[str, Any]:
    """The estimate over the records that carry probabilities; the rest are counted."""
    usable = _with_probabilities(records)
    out: dict[str, Any] = {
        "captured": len(records),
        "without_probabilities": len(records) - len(usable),
    }
    if not usable:
        return out | {"rows": 0, "accuracy": None, "accuracy_band": None}
    classes = usable[0].classes
    try:
        return out | estimate(
            [r.probabilities for r in usable],
            [r.output for r in usable],
            classes=classes,
            calibration=calibration,
        )
    except ValueError as exc:
        return out | {"rows": 0, "accuracy": None, "accuracy_band": None, "error": str(exc)}


def window_comparison(
    rows: Sequence[Labelled], calibration: Calibration | None, *, flagged_streak: int
) -> dict[str, Any] | None:
    """Estimate vs realized on the labelled rows with probabilities; None without any."""
    usable = [r for r in rows if r.probabilities is not None and r.classes]
    if not usable:
        return None
    classes = usable[0].classes
    usable = [r for r in usable if r.classes == classes]
    try:
        return compare(
            [r.probabilities for r in usable],
            [r.prediction for r in usable],
            [r.actual for r in usable],
            classes=classes,
            calibration=calibration,
            flagged_streak=flagged_streak,
        )
    except ValueError:
        return None


def newly_changed(comparison: dict[str, Any] | None) -> bool:
    """True in the window where a flagged gap first lasts: the one to alert on."""
    return bool(comparison and comparison["flagged_streak"] == LASTING_WINDOWS)


def _with_probabilities(records: Sequence[CapturedRecord]) -> list[CapturedRecord]:
    usable = [r for r in records if r.probabilities is not None and r.classes]
    if not usable:
        return []
    classes = usable[0].classes
    # Rows of another class order belong to another model; the champion's come first.
    return [r for r in usable if r.classes == classes]
