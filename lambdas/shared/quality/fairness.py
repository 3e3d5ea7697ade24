"""Live fairness: the evaluation's per-group figures, on a window's labelled live traffic.

The arithmetic is ``training/fairness.py``'s, written again here because training ships
alone to SageMaker and Lambdas cannot import it (a test holds both to the same figures).
Per group: size, status, the primary metric and, for classification, selection rate, TPR
and FPR of the favourable label; for regression the error and its ratio to the error on
all rows. Across judged groups: disparate impact, TPR gap and metric gap, or the error
ratio. A group below ``min_group_size`` rows is ``insufficient_evidence``.

The primary metric is the live one (:mod:`losses`): a metric without a per-record loss
is null per group, and so is its gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from lambdas.shared.quality.losses import SUPPORTED_METRICS, losses, metric_from_loss
from lambdas.shared.settings import Fairness

JUDGED = "judged"
INSUFFICIENT = "insufficient_evidence"
MISSING_GROUP = "missing"
OK = "ok"
BREACH = "breach"


def group_key(value: Any) -> str:
    """A captured group value or label as text, as the evaluation keys it (1, 1.0 and "1"
    are one); an empty value is the group ``missing``."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return MISSING_GROUP
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def assess(
    fairness: Fairness,
    *,
    task: str,
    metric: str,
    direction: str,
    groups: Sequence[str],
    actual: Sequence[Any],
    predicted: Sequence[Any],
) -> dict[str, Any]:
    """Per-group and across-group figures, shaped as one model's entry in ``bias.json``."""
    keys = np.array(list(groups), dtype=object)
    actual_all, predicted_all = list(actual), list(predicted)
    error_metric = metric if direction == "minimize" else "rmse"
    regression = task != "classification"
    overall_error = _metric(error_metric, actual_all, predicted_all) if regression else None
    per_group: dict[str, dict[str, Any]] = {}
    for key in sorted(set(keys.tolist())):
        rows = np.flatnonzero(keys == key)
        y_true = [actual_all[i] for i in rows]
        y_pred = [predicted_all[i] for i in rows]
        entry: dict[str, Any] = {
            "size": len(rows),
            "status": JUDGED if len(rows) >= fairness.min_group_size else INSUFFICIENT,
            "metric": _metric(metric, y_true, y_pred),
        }
        if task == "classification":
            entry.update(_rates(y_true, y_pred, fairness.favourable_label))
        else:
            error = _metric(error_metric, y_true, y_pred)
            entry["error"] = error
            entry["error_ratio"] = (
                error / overall_error if error is not None and overall_error else None
            )
        per_group[key] = entry
    judged = {k: v for k, v in per_group.items() if v["status"] == JUDGED}
    return {
        "groups": per_group,
        "judged": sorted(judged),
        "insufficient_evidence": sorted(k for k in per_group if k not in judged),
        "figures": _figures(task, direction, judged),
    }


def breaches(fairness: Fairness, assessed: dict[str, Any], *, column: str) -> list[str]:
    """Each figure past its limit, named with the group that fares worst (the gate's wording)."""
    limits = {
        "disparate_impact": (fairness.min_disparate_impact, "below"),
        "tpr_gap": (fairness.max_tpr_gap, "above"),
        "metric_gap": (fairness.max_metric_gap, "above"),
        "error_ratio": (fairness.max_error_ratio, "above"),
    }
    problems = []
    for name, figure in assessed["figures"].items():
        limit, side = limits[name]
        value = figure.get("value")
        if value is None:
            continue
        if (value < limit) if side == "below" else (value > limit):
            problems.append(
                f"fairness: {name.replace('_', ' ')} {value:.3g} for {column}={figure['group']} "
                f"{side} {limit:g}"
            )
    return problems


def _metric(metric: str, y_true: list[Any], y_pred: list[Any]) -> float | None:
    if metric not in SUPPORTED_METRICS or not y_true:
        return None
    return metric_from_loss(metric, float(np.mean(losses(metric, y_true, y_pred))))


def _rates(y_true: list[Any], y_pred: list[Any], favourable: Any) -> dict[str, float | None]:
    # As text, as the evaluation compares labels: 1, 1.0 and "1" are the favourable label 1.
    wanted = group_key(favourable)
    actual = np.array([group_key(v) == wanted for v in y_true], dtype=bool)
    chosen = np.array([group_key(v) == wanted for v in y_pred], dtype=bool)
    return {
        "selection_rate": float(chosen.mean()),
        "tpr": _share(chosen & actual, actual),
        "fpr": _share(chosen & ~actual, ~actual),
    }


def _share(hits: np.ndarray, among: np.ndarray) -> float | None:
    return float(hits.sum() / among.sum()) if among.any() else None


def _figures(task: str, direction: str, judged: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The across-group figures, each naming the group that fares worst; {} below two groups."""
    if len(judged) < 2:
        return {}
    figures: dict[str, Any] = {}
    gap = _gap(judged, "metric", higher_is_better=direction == "maximize")
    if gap is not None:
        figures["metric_gap"] = gap
    if task == "classification":
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


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
