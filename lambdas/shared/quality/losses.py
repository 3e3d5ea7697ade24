"""Per-record loss of a primary metric, and the way back from mean loss to the metric.

rmse → squared error (RMSE = sqrt of its mean), mae → absolute error, accuracy → 0/1
error (accuracy = 1 - its mean). Other metrics (r2, f1, roc_auc, log_loss on labels)
have no per-record loss that averages to them, so they are not monitored live.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

SUPPORTED_METRICS = ("rmse", "mae", "accuracy")


class UnsupportedMetric(ValueError):
    """The primary metric has no per-record loss."""


def _check(metric: str) -> None:
    if metric not in SUPPORTED_METRICS:
        raise UnsupportedMetric(
            f"metric {metric!r} has no per-record loss (supported: {', '.join(SUPPORTED_METRICS)})"
        )


def losses(metric: str, actual: Sequence[Any], predicted: Sequence[Any]) -> np.ndarray:
    """One loss per (actual, predicted) pair; callers pass only :func:`usable` values."""
    _check(metric)
    if metric == "accuracy":
        return np.array(
            [float(label(a) != label(p)) for a, p in zip(actual, predicted, strict=True)]
        )
    error = np.asarray(predicted, dtype=float) - np.asarray(actual, dtype=float)
    return error**2 if metric == "rmse" else np.abs(error)


def metric_from_loss(metric: str, mean_loss: float) -> float:
    """The metric in its own units from a mean loss (clipped where the loss cannot go)."""
    _check(metric)
    if metric == "rmse":
        return math.sqrt(max(mean_loss, 0.0))
    if metric == "accuracy":
        return 1.0 - min(max(mean_loss, 0.0), 1.0)
    return max(mean_loss, 0.0)


def reference_loss(metric: str, metric_value: float, tolerance: float = 0.0) -> float:
    """The mean loss at ``tolerance`` worse than ``metric_value``, the metric's error quantity.

    Tolerance scales RMSE, MAE or the error rate (1 - accuracy): 0.1 means 10 % more error.
    """
    _check(metric)
    if metric == "rmse":
        return (metric_value * (1.0 + tolerance)) ** 2
    if metric == "accuracy":
        return (1.0 - metric_value) * (1.0 + tolerance)
    return metric_value * (1.0 + tolerance)


def usable(task: str, value: Any) -> bool:
    """Whether a prediction or actual can be scored: a finite number, or any class label."""
    if value is None or isinstance(value, (dict, list)):
        return False
    if task == "classification":
        return True
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        # OverflowError: a JSON integer beyond the float64 range.
        return False


def label(value: Any) -> Any:
    """A class label comparable across JSON forms (1, 1.0 and True are the same class)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
