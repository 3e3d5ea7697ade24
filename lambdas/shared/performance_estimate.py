"""Label-free performance estimates for classifiers (confidence-based, as NannyML's CBPE).

A calibrated probability is the chance that a prediction is right, so a window's expected
accuracy and expected confusion matrix follow from its probabilities alone, long before
its labels arrive. Once labels arrive, :func:`compare` sets the estimate beside the
realized metric on the labelled rows: the estimate assumes P(y | p) stayed as it was on
the holdout, so a gap larger than sampling noise means that relationship changed (concept
drift), exactly when the estimate alone would mislead.

The calibration is ``calibration.json`` written by ``training/calibration.py`` (its wire
form is in ``docs/architecture.md``; a model package names it in its ``calibration_uri``);
this module applies it with numpy only, the same way.

Rule for a gap: on ``n`` labelled rows whose calibrated probability of being right is
``c_i``, the realized accuracy has standard deviation ``sigma = sqrt(sum c_i (1 - c_i)) / n``
around the estimate. A window is *flagged* when it has at least ``MIN_LABELS`` labels and
``|realized - estimated| > NOISE_Z * sigma + CALIBRATION_TOLERANCE`` (the tolerance covers
the calibration's own error from a finite holdout). A gap that lasts ``LASTING_WINDOWS``
consecutive flagged windows is reported as ``relationship_changed``; the caller keeps the
streak between windows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

NOISE_Z = 3.0
CALIBRATION_TOLERANCE = 0.01
MIN_LABELS = 100
LASTING_WINDOWS = 2


class CalibrationError(ValueError):
    """calibration.json is malformed or belongs to another model; the message says which."""


@dataclass(frozen=True)
class ClassMap:
    """One class's monotone piecewise-linear map from raw to calibrated probability."""

    label: Any
    x: np.ndarray
    y: np.ndarray

    def __call__(self, p: np.ndarray) -> np.ndarray:
        return np.interp(p, self.x, self.y)


@dataclass(frozen=True)
class Calibration:
    """The maps of ``calibration.json``; binary has one, for the positive class."""

    classes: list
    maps: list[ClassMap]

    @classmethod
    def from_dict(cls, document: Any) -> Calibration:
        """Parse ``calibration.json``; a malformed document is a one-line CalibrationError."""
        if not isinstance(document, dict) or document.get("method") != "isotonic":
            raise CalibrationError("calibration: expected an object with method 'isotonic'")
        classes = document.get("classes")
        if not isinstance(classes, list) or len(classes) < 2:
            raise CalibrationError("calibration: 'classes' must list at least two classes")
        raw_maps = document.get("maps")
        expected = 1 if len(classes) == 2 else len(classes)
        if not isinstance(raw_maps, list) or len(raw_maps) != expected:
            raise CalibrationError(f"calibration: expected {expected} maps for {classes}")
        calibration = cls(classes=classes, maps=[_class_map(i, m) for i, m in enumerate(raw_maps)])
        wanted = [classes[-1]] if len(classes) == 2 else classes
        if [_key(m.label) for m in calibration.maps] != [_key(c) for c in wanted]:
            raise CalibrationError(f"calibration: maps must be for {wanted}, in that order")
        return calibration

    def apply(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, columns in ``classes`` order (as training applies them)."""
        proba = np.asarray(proba, dtype=float)
        if len(self.classes) == 2:
            positive = self.maps[0](proba[:, -1])
            return np.column_stack([1.0 - positive, positive])
        mapped = np.column_stack([m(proba[:, i]) for i, m in enumerate(self.maps)])
        totals = mapped.sum(axis=1, keepdims=True)
        # A row every map sends to 0 keeps its raw probabilities, as in training/calibration.py.
        return np.where(totals > 0, mapped / np.where(totals > 0, totals, 1.0), proba)


def estimate(
    probabilities: Sequence[Sequence[float]],
    predicted: Sequence[Any],
    *,
    classes: Sequence[Any],
    calibration: Calibration | None = None,
) -> dict[str, Any]:
    """Expected accuracy (with its noise band) and confusion metrics of one window.

    ``probabilities`` are the model's raw rows (columns in ``classes`` order) and
    ``predicted`` its labels. Without a calibration the raw probabilities are trusted.
    """
    window = _window(probabilities, predicted, classes, calibration)
    correct = window.correct_probability()
    n = len(correct)
    accuracy = float(correct.mean()) if n else math.nan
    sigma = _sigma(correct)
    out: dict[str, Any] = {
        "rows": n,
        "calibrated": calibration is not None,
        "accuracy": accuracy,
        "accuracy_std": sigma,
        "accuracy_band": [
            max(0.0, accuracy - NOISE_Z * sigma),
            min(1.0, accuracy + NOISE_Z * sigma),
        ]
        if n
        else [math.nan, math.nan],
    }
    counts = window.expected_counts()
    out.update(_confusion_metrics(counts, binary=len(window.classes) == 2))
    if len(window.classes) == 2:
        tp, fp, fn, tn = (float(v) for v in counts[-1])
        out["positive_class"] = window.classes[-1]
        out["confusion"] = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
    return _finite(out)


def compare(
    probabilities: Sequence[Sequence[float]],
    predicted: Sequence[Any],
    actual: Sequence[Any],
    *,
    classes: Sequence[Any],
    calibration: Calibration | None = None,
    flagged_streak: int = 0,
) -> dict[str, Any]:
    """Estimate vs realized accuracy on the rows of a window that have a label.

    ``actual`` holds each row's label, None while it has none; a label outside ``classes``
    is counted in ``unknown_labels`` and left out. ``flagged_streak`` is the number of
    consecutive flagged windows just before this one; the answer carries the new streak.
    """
    if len(actual) != len(predicted):
        raise ValueError(f"expected {len(predicted)} labels (one per row), got {len(actual)}")
    index = _class_index(classes)
    truth = np.array([-1 if a is None else index.get(_key(a), -2) for a in actual])
    labelled = truth >= 0
    rows = np.flatnonzero(labelled)
    window = _window(
        [probabilities[i] for i in rows], [predicted[i] for i in rows], classes, calibration
    )
    correct = window.correct_probability()
    n = len(rows)
    estimated = float(correct.mean()) if n else math.nan
    realized = float(np.mean(window.predicted == truth[rows])) if n else math.nan
    gap = realized - estimated
    threshold = NOISE_Z * _sigma(correct) + CALIBRATION_TOLERANCE
    flagged = bool(n >= MIN_LABELS and abs(gap) > threshold)
    streak = flagged_streak + 1 if flagged else 0
    realized_counts = window.realized_counts(truth[rows])
    binary = len(window.classes) == 2
    expected_metrics = _confusion_metrics(window.expected_counts(), binary=binary)
    realized_metrics = _confusion_metrics(realized_counts, binary=binary)
    return _finite(
        {
            "metric": "accuracy",
            "labels": n,
            "unknown_labels": int((truth == -2).sum()),
            "estimated": estimated,
            "realized": realized,
            "gap": gap,
            "threshold": threshold,
            "flagged": flagged,
            "flagged_streak": streak,
            "relationship_changed": streak >= LASTING_WINDOWS,
            "metrics": {
                name: {"estimated": expected_metrics[name], "realized": realized_metrics[name]}
                for name in expected_metrics
            },
        }
    )


@dataclass(frozen=True)
class _Window:
    classes: list
    calibrated: np.ndarray
    predicted: np.ndarray

    def correct_probability(self) -> np.ndarray:
        """Each row's calibrated probability that its prediction is right."""
        return self.calibrated[np.arange(len(self.predicted)), self.predicted]

    def expected_counts(self) -> np.ndarray:
        """Per class (one-vs-rest): expected TP, FP, FN, TN."""
        chosen = self.predicted[:, None] == np.arange(len(self.classes))[None, :]
        p = self.calibrated
        return np.column_stack(
            [
                (p * chosen).sum(axis=0),
                ((1 - p) * chosen).sum(axis=0),
                (p * ~chosen).sum(axis=0),
                ((1 - p) * ~chosen).sum(axis=0),
            ]
        )

    def realized_counts(self, truth: np.ndarray) -> np.ndarray:
        """Per class (one-vs-rest): realized TP, FP, FN, TN."""
        k = np.arange(len(self.classes))[None, :]
        chosen, actual = self.predicted[:, None] == k, truth[:, None] == k
        return np.column_stack(
            [
                (chosen & actual).sum(axis=0),
                (chosen & ~actual).sum(axis=0),
                (~chosen & actual).sum(axis=0),
                (~chosen & ~actual).sum(axis=0),
            ]
        ).astype(float)


def _window(
    probabilities: Sequence[Sequence[float]],
    predicted: Sequence[Any],
    classes: Sequence[Any],
    calibration: Calibration | None,
) -> _Window:
    classes = list(classes)
    if len(classes) < 2:
        raise ValueError("a classifier's window needs at least two classes")
    if calibration is not None and [_key(c) for c in calibration.classes] != [
        _key(c) for c in classes
    ]:
        raise CalibrationError(
            f"calibration classes {calibration.classes} differ from the model's {classes}"
        )
    if len(probabilities) != len(predicted):
        raise ValueError(f"expected {len(predicted)} probability rows, got {len(probabilities)}")
    raw = np.asarray(probabilities, dtype=float).reshape(len(predicted), len(classes))
    if not np.isfinite(raw).all():
        raise ValueError("probabilities must be finite numbers")
    index = _class_index(classes)
    chosen = np.array([index.get(_key(p), -1) for p in predicted], dtype=int)
    if (chosen < 0).any():
        unknown = predicted[int(np.flatnonzero(chosen < 0)[0])]
        raise ValueError(f"predicted label {unknown!r} is not one of the classes {classes}")
    calibrated = raw if calibration is None else calibration.apply(raw)
    return _Window(classes=classes, calibrated=calibrated, predicted=chosen)


def _confusion_metrics(counts: np.ndarray, *, binary: bool) -> dict[str, float]:
    """Precision, recall, F1 of the positive class (binary) or their macro means."""
    rows = counts[-1:] if binary else counts
    tp, fp, fn = rows[:, 0], rows[:, 1], rows[:, 2]
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return {
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
        "f1": float(f1.mean()),
    }


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    # Zero when undefined, as metrics.py's zero_division=0.
    return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), 0.0)


def _finite(value: Any) -> Any:
    """NaN (an empty window) becomes None, so the answer is strict JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _sigma(correct: np.ndarray) -> float:
    if not len(correct):
        return math.nan
    return float(math.sqrt(float((correct * (1 - correct)).sum())) / len(correct))


def _class_map(i: int, raw: Any) -> ClassMap:
    if not isinstance(raw, dict) or "class" not in raw:
        raise CalibrationError(f"calibration: map {i} must be an object with a 'class'")
    try:
        x, y = np.asarray(raw["x"], dtype=float), np.asarray(raw["y"], dtype=float)
    except (KeyError, TypeError, ValueError):
        raise CalibrationError(f"calibration: map {i} needs numeric 'x' and 'y' lists") from None
    if x.ndim != 1 or x.shape != y.shape or not len(x):
        raise CalibrationError(f"calibration: map {i} needs 'x' and 'y' of the same length")
    if not (np.isfinite(x).all() and np.isfinite(y).all()) or (np.diff(x) <= 0).any():
        raise CalibrationError(f"calibration: map {i} 'x' must be finite and increasing")
    if (np.diff(y) < 0).any() or y.min() < 0 or y.max() > 1:
        raise CalibrationError(f"calibration: map {i} 'y' must rise within [0, 1]")
    return ClassMap(label=raw["class"], x=x, y=y)


def _class_index(classes: Sequence[Any]) -> dict[str, int]:
    return {_key(c): i for i, c in enumerate(classes)}


def _key(value: Any) -> str:
    """One spelling per label, so feedback's "1", 1 and 1.0 name the same class."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text.lower() if text.lower() in ("true", "false") else text
    return str(int(number)) if number.is_integer() else repr(number)
