"""Model quality metrics, the same for the candidate, the champion and every segment."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn import metrics as skm


def compute_metrics(
    task: str,
    y_true: Sequence,
    y_pred: Sequence,
    y_proba: np.ndarray | None = None,
    classes: Sequence | None = None,
) -> dict[str, float]:
    """Regression: rmse, mae, r2. Classification: accuracy, f1, plus roc_auc and log_loss
    when class probabilities (columns in ``classes`` order) are given. Undefined → NaN."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if len(y_true) == 0:
        raise ValueError("cannot compute metrics on zero rows")
    if task == "regression":
        return _regression(y_true.astype(float), y_pred.astype(float))
    if task == "classification":
        return _classification(y_true, y_pred, y_proba, classes)
    raise ValueError(f"unknown task {task!r} (known: regression, classification)")


def bootstrap_std(
    task: str,
    y_true: Sequence,
    y_pred: Sequence,
    y_proba: np.ndarray | None = None,
    classes: Sequence | None = None,
    rounds: int = 100,
    seed: int = 0,
) -> dict[str, float]:
    """Standard deviation of each metric over bootstrap resamples of the rows (seeded)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) < 2:
        return dict.fromkeys(compute_metrics(task, y_true, y_pred, y_proba, classes), math.nan)
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        rows = rng.integers(0, len(y_true), len(y_true))
        proba = None if y_proba is None else y_proba[rows]
        for name, value in compute_metrics(
            task, y_true[rows], y_pred[rows], proba, classes
        ).items():
            samples.setdefault(name, []).append(value)
    return {name: _std(values) for name, values in samples.items()}


def _regression(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    errors = y_pred - y_true
    return {
        "rmse": float(np.sqrt(np.mean(errors**2))),
        "mae": float(np.mean(np.abs(errors))),
        # r2 needs spread in the truth; a one-row or constant segment has none.
        "r2": float(skm.r2_score(y_true, y_pred)) if np.ptp(y_true) > 0 else math.nan,
    }


def _classification(y_true, y_pred, y_proba, classes) -> dict[str, float]:
    labels = np.asarray(classes) if classes is not None else np.unique(y_true)
    binary = len(labels) == 2
    out = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "f1": float(
            skm.f1_score(y_true, y_pred, pos_label=labels[-1], zero_division=0)
            if binary
            else skm.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        ),
    }
    if y_proba is None:
        return out
    y_proba = np.asarray(y_proba, dtype=float)
    out["log_loss"] = float(skm.log_loss(y_true, y_proba, labels=labels))
    if len(np.unique(y_true)) < 2:
        out["roc_auc"] = math.nan
    elif binary:
        out["roc_auc"] = float(skm.roc_auc_score(y_true == labels[-1], y_proba[:, -1]))
    elif set(np.unique(y_true)) == set(labels):
        out["roc_auc"] = float(skm.roc_auc_score(y_true, y_proba, multi_class="ovr", labels=labels))
    else:
        out["roc_auc"] = math.nan
    return out


def _std(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.std(finite, ddof=1)) if len(finite) > 1 else math.nan
