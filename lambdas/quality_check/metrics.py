"""CloudWatch metrics of a quality report, as Powertools EMF lines."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from lambdas.shared.quality import DEGRADED


def publish_report(metrics: Metrics, report: dict[str, Any]) -> None:
    """Window metrics on the handler's Metrics; per-group ones carry ``Group`` and ``Value``."""
    metrics.add_metric(name="LabelsUsed", unit=MetricUnit.Count, value=report["labels"])
    evidence = report["evidence"]
    metrics.add_metric(
        name="RecordsSkipped", unit=MetricUnit.Count, value=evidence["records_skipped"]
    )
    fairness = report.get("fairness")
    if fairness:
        # The alarm rule's own verdict (two consecutive breached looks), for the CloudWatch alarm.
        alarm = int(fairness["alarm"])
        metrics.add_metric(name="FairnessAlarm", unit=MetricUnit.Count, value=alarm)
    _publish_fairness(fairness)
    if report.get("label_free"):
        for name, value in _label_free_values(report["label_free"]).items():
            metrics.add_metric(name=name, unit=MetricUnit.NoUnit, value=value)
    if report.get("estimate") is None:
        return
    for name, value in _values(report).items():
        metrics.add_metric(name=name, unit=MetricUnit.NoUnit, value=value)
    metrics.add_metric(
        name="QualityDegraded", unit=MetricUnit.Count, value=int(report["status"] == DEGRADED)
    )
    for column, groups in report.get("groups", {}).items():
        for value, verdict in groups.items():
            if verdict.get("estimate") is not None:
                numbers = _values(verdict) | {"GroupLabels": verdict["labels"]}
                for name, number in numbers.items():
                    _group_metric(column, value, name, number)


FAIRNESS_RATES = {
    "size": "FairnessGroupSize",
    "selection_rate": "FairnessSelectionRate",
    "tpr": "FairnessTpr",
    "fpr": "FairnessFpr",
    "metric": "FairnessMetric",
    "error_ratio": "FairnessErrorRatio",
}
FAIRNESS_FIGURES = {
    "disparate_impact": "DisparateImpact",
    "tpr_gap": "TprGap",
    "metric_gap": "MetricGap",
    "error_ratio": "ErrorRatio",
}


def _publish_fairness(section: dict[str, Any] | None) -> None:
    """Per judged group (dimensions ``Group``, ``Value``) and across groups (``Group`` only)."""
    if not section:
        return
    column = section["group"]
    for value, entry in section["groups"].items():
        if entry["status"] != "judged":
            continue
        for key, name in FAIRNESS_RATES.items():
            if isinstance(entry.get(key), (int, float)):
                _group_metric(column, value, name, entry[key])
    for key, name in FAIRNESS_FIGURES.items():
        figure = section["figures"].get(key) or {}
        if isinstance(figure.get("value"), (int, float)):
            _column_metric(column, name, figure["value"])
    _column_metric(column, "FairnessBreached", int(section["status"] == "breach"))


def _column_metric(column: str, name: str, number: float) -> None:
    with single_metric(name=name, unit=MetricUnit.NoUnit, value=number) as metric:
        metric.add_dimension(name="Group", value=column)


def _values(verdict: dict[str, Any]) -> dict[str, float]:
    low, high = verdict["interval"]
    return {
        "LiveMetric": verdict["estimate"],
        "LiveMetricLower": low,
        "LiveMetricUpper": high,
    }


def _label_free_values(free: dict[str, Any]) -> dict[str, float]:
    """The estimate and its band; once labels arrive, the gap and whether it lasted."""
    out: dict[str, float] = {}
    estimate = free["estimate"]
    if estimate.get("accuracy") is not None:
        low, high = estimate["accuracy_band"]
        out |= {
            "EstimatedAccuracy": estimate["accuracy"],
            "EstimatedAccuracyLower": low,
            "EstimatedAccuracyUpper": high,
        }
    comparison = free.get("comparison")
    if comparison and comparison.get("gap") is not None:
        out |= {
            "EstimateGap": comparison["gap"],
            "EstimateFlagged": int(comparison["flagged"]),
            "RelationshipChanged": int(comparison["relationship_changed"]),
        }
    return out


def _group_metric(column: str, value: str, name: str, number: float) -> None:
    # single_metric emits its own EMF blob, so the dimensions stay off the window metrics.
    with single_metric(name=name, unit=MetricUnit.NoUnit, value=number) as metric:
        metric.add_dimension(name="Group", value=column)
        metric.add_dimension(name="Value", value=value)
