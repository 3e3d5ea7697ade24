"""Calibrate a classifier's probabilities on the holdout, as knots a numpy-only Lambda applies.

Each map is isotonic regression (monotone, fit by scikit-learn) written down as the
piecewise-linear function through its thresholds, ``np.interp(p, x, y)``: flat beyond the
end knots, exactly what ``IsotonicRegression(out_of_bounds="clip").predict`` computes.

- binary: one map, for the positive class (``classes[-1]``, as in ``metrics.py``); the
  other class gets 1 − p.
- multiclass: one map per class (one-vs-rest), then each row is renormalized to sum to 1
  (a row that every map sends to 0 keeps its raw probabilities).

The wire form is ``calibration.json`` (see ``docs/architecture.md``); the Lambdas read it
with ``lambdas/shared/performance_estimate.py``, which applies it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression

CALIBRATION_FILE = "calibration.json"
METHOD = "isotonic"


@dataclass(frozen=True)
class Calibration:
    """Fitted isotonic maps, one per calibrated class, in ``calibrated`` order."""

    classes: list
    calibrated: list
    maps: list[IsotonicRegression]
    rows: int

    def apply(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, columns in ``classes`` order."""
        proba = np.asarray(proba, dtype=float)
        if len(self.classes) == 2:
            positive = self.maps[0].predict(proba[:, -1])
            return np.column_stack([1.0 - positive, positive])
        mapped = np.column_stack([m.predict(proba[:, i]) for i, m in enumerate(self.maps)])
        return _renormalize(mapped, proba)

    def to_dict(self) -> dict[str, Any]:
        """The ``calibration.json`` document."""
        return {
            "method": METHOD,
            "classes": [_plain(c) for c in self.classes],
            "rows": self.rows,
            "maps": [
                {
                    "class": _plain(c),
                    "x": [float(v) for v in m.X_thresholds_],
                    "y": [float(v) for v in m.y_thresholds_],
                }
                for c, m in zip(self.calibrated, self.maps, strict=True)
            ],
        }


def fit(y_true: np.ndarray, proba: np.ndarray, classes: list) -> Calibration:
    """Fit the maps on holdout labels and the model's raw probabilities there."""
    y_true = np.asarray(y_true)
    proba = np.asarray(proba, dtype=float)
    if len(y_true) == 0:
        raise ValueError("cannot calibrate on zero rows")
    calibrated = [classes[-1]] if len(classes) == 2 else list(classes)
    maps = []
    for c in calibrated:
        column = proba[:, classes.index(c)]
        isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        maps.append(isotonic.fit(column, (y_true == c).astype(float)))
    return Calibration(classes=list(classes), calibrated=calibrated, maps=maps, rows=len(y_true))


def _renormalize(mapped: np.ndarray, raw: np.ndarray) -> np.ndarray:
    totals = mapped.sum(axis=1, keepdims=True)
    safe = np.where(totals > 0, totals, 1.0)
    return np.where(totals > 0, mapped / safe, raw)


def _plain(value: Any) -> Any:
    """A numpy scalar as the plain Python value json can write."""
    return value.item() if isinstance(value, np.generic) else value
