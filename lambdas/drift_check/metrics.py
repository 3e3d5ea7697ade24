"""CloudWatch metrics of a drift report, as Powertools EMF lines."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

# The score that decides drift for each feature type, published per feature.
SCORES = {"numeric": ("wasserstein", "psi", "ks"), "categorical": ("linf", "js", "psi")}


def publish_report(metrics: Metrics, report: dict[str, Any]) -> None:
    """Dataset metrics on the handler's Metrics, per-feature ones with a ``Feature`` dimension."""
    metrics.add_metric(name="RowsChecked", unit=MetricUnit.Count, value=report["rows"])
    metrics.add_metric(
        name="RecordsSkipped", unit=MetricUnit.Count, value=report["records_skipped"]
    )
    if report["status"] != "ok":
        return
    metrics.add_metric(name="DriftShare", unit=MetricUnit.NoUnit, value=report["drift_share"])
    metrics.add_metric(name="DatasetDrifted", unit=MetricUnit.Count, value=int(report["drifted"]))
    for feature, result in report["features"].items():
        if "status" in result:
            continue
        values = {f"Drift{score.title()}": result[score] for score in SCORES[result["type"]]}
        values["FeatureDrifted"] = int(result["drifted"])
        for name, value in values.items():
            if value is not None:
                _feature_metric(feature, name, value)


def _feature_metric(feature: str, name: str, value: float) -> None:
    # single_metric emits its own EMF blob, so the Feature dimension stays off the dataset metrics.
    with single_metric(name=name, unit=MetricUnit.NoUnit, value=value) as metric:
        metric.add_dimension(name="Feature", value=feature)
