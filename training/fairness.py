"""Fairness figures per group of the spec's protected attribute, for one model on the holdout.

Classification, per group: selection rate (share predicted favourable), true- and
false-positive rate and the primary metric; across groups: the disparate-impact ratio
(lowest selection rate over the highest), the true-positive-rate gap (equal opportunity)
and the primary-metric gap. Regression, per group: the primary metric and the error ratio,
the group's error over the error on all holdout rows (over the overall error rather than the
best group's, so a small, lucky group cannot make every other group look bad). The error is
the primary metric when it is an error (rmse, mae), else rmse.

A group with fewer holdout rows than ``min_group_size`` is ``insufficient_evidence``: it is
reported but takes no part in the figures, so it can never pass a check.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from features import DataError
from metrics import compute_metrics
from modelspec import Fairness, ModelSpec

BIAS_REPORT_FILE = "bias.json"
JUDGED = "judged"
INSUFFICIENT = "insufficient_evidence"
MISSING_GROUP = "missing"


def group_keys(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Each row's group as text; an empty cell is the group ``missing``."""
    if column not in frame.columns:
        raise DataError(f"data: missing fairness group column {column!r}")
    return np.array([label_text(v) for v in frame[column]], dtype=object)


def label_text(value: Any) -> str:
    """A label or group value as text, so 1, 1.0 and "1" are the same group or label."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return MISSING_GROUP
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.bool_):
        return str(bool(value))
    return str(value)


def assess(
    spec: ModelSpec,
    groups: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    y_proba: np.ndarray | None = None,
    classes: list | None = None,
) -> dict[str, Any]:
    """Per-group figures and the across-group figures for one model's holdout predictions."""
    fairness = _fairness(spec)
    overall_error = _error(spec, y_true, y_pred, y_proba, classes)
    per_group: dict[str, dict[str, Any]] = {}
    for key in sorted(set(groups)):
        rows = groups == key
        proba = None if y_proba is None else y_proba[rows]
        entry: dict[str, Any] = {
            "size": int(rows.sum()),
            "status": JUDGED if rows.sum() >= fairness.min_group_size else INSUFFICIENT,
            "metric": compute_metrics(spec.task, y_true[rows], y_pred[rows], proba, classes)[
                spec.metric
            ],
        }
        if spec.task == "classification":
            entry.update(_rates(y_true[rows], y_pred[rows], fairness.favourable_label))
        else:
            error = _error(spec, y_true[rows], y_pred[rows], proba, classes)
            entry["error"] = error
            entry["error_ratio"] = error / overall_error if overall_error > 0 else None
        per_group[key] = entry
    judged = {k: v for k, v in per_group.items() if v["status"] == JUDGED}
    return {
        "groups": per_group,
        "judged": sorted(judged),
        "insufficient_evidence": sorted(k for k in per_group if k not in judged),
        "figures": _figures(spec, judged),
    }


def _rates(y_true: np.ndarray, y_pred: np.ndarray, favourable: Any) -> dict[str, float | None]:
    wanted = label_text(favourable)
    actual = np.array([label_text(v) == wanted for v in y_true], dtype=bool)
    chosen = np.array([label_text(v) == wanted for v in y_pred], dtype=bool)
    return {
        "selection_rate": float(chosen.mean()),
        "tpr": _share(chosen & actual, actual),
        "fpr": _share(chosen & ~actual, ~actual),
    }


def _share(hits: np.ndarray, among: np.ndarray) -> float | None:
    """Hits over the rows they are counted among; None when there are none to count."""
    return float(hits.sum() / among.sum()) if among.any() else None


def _figures(spec: ModelSpec, judged: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The across-group figures, each naming the group that fares worst; {} below two groups."""
    if len(judged) < 2:
        return {}
    figures: dict[str, Any] = {}
    maximize = spec.direction == "maximize"
    gap = _gap(judged, "metric", higher_is_better=maximize)
    if gap is not None:
        figures["metric_gap"] = gap
    if spec.task == "classification":
        rates = {k: v["selection_rate"] for k, v in judged.items()}
        low, high = min(rates, key=rates.__getitem__), max(rates, key=rates.__getitem__)
        figures["disparate_impact"] = {
            "value": rates[low] / rates[high] if rates[high] > 0 else None,
            "group": low,
            "reference": high,
        }
        tpr_gap = _gap(judged, "tpr", higher_is_better=True)
        if tpr_gap is not None:
            figures["tpr_gap"] = tpr_gap
    else:
        ratios = {k: v["error_ratio"] for k, v in judged.items() if v["error_ratio"] is not None}
        if ratios:
            worst = max(ratios, key=ratios.__getitem__)
            figures["error_ratio"] = {"value": ratios[worst], "group": worst}
    return figures


def _gap(judged: dict[str, dict[str, Any]], name: str, *, higher_is_better: bool) -> Any:
    values = {k: v[name] for k, v in judged.items() if _finite(v[name])}
    if len(values) < 2:
        return None
    best = (max if higher_is_better else min)(values, key=values.__getitem__)
    worst = (min if higher_is_better else max)(values, key=values.__getitem__)
    return {"value": abs(values[best] - values[worst]), "group": worst, "reference": best}


def _error(spec: ModelSpec, y_true, y_pred, y_proba, classes) -> float:
    if spec.task != "regression":
        return float("nan")
    name = spec.metric if spec.direction == "minimize" else "rmse"
    return compute_metrics(spec.task, y_true, y_pred, y_proba, classes)[name]


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and bool(np.isfinite(value))


def _fairness(spec: ModelSpec) -> Fairness:
    if spec.fairness is None:
        raise ValueError("the model spec has no fairness section")
    return spec.fairness
