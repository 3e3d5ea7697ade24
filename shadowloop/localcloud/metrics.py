"""Turns embedded-metric-format log lines into CloudWatch metrics, as CloudWatch Logs does."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shadowloop.localcloud.access.principals import acting_as


class EmbeddedMetrics:
    """Publishes the EMF documents found in a function's output to (moto) CloudWatch."""

    def __init__(self, cloudwatch: Callable[[], Any]) -> None:
        self.cloudwatch = cloudwatch

    def publish(self, output: str) -> int:
        """Put every metric in ``output``; returns how many data points were put."""
        count = 0
        for line in output.splitlines():
            document = _emf(line)
            if document is None:
                continue
            for namespace, data in _datums(document):
                # CloudWatch Logs extracts EMF metrics itself; the function needs no grant.
                with acting_as(None):
                    self.cloudwatch().put_metric_data(Namespace=namespace, MetricData=data)
                count += len(data)
        return count


def _emf(line: str) -> dict[str, Any] | None:
    if '"_aws"' not in line:
        return None
    try:
        document = json.loads(line)
    except ValueError:
        return None
    return document if isinstance(document, dict) and "_aws" in document else None


def _datums(document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    meta = document["_aws"]
    timestamp = datetime.fromtimestamp(meta.get("Timestamp", 0) / 1000, UTC)
    out = []
    for directive in meta.get("CloudWatchMetrics", []):
        dimension_sets = directive.get("Dimensions") or [[]]
        data = []
        for metric in directive.get("Metrics", []):
            values = document.get(metric["Name"])
            for value in values if isinstance(values, list) else [values]:
                if not isinstance(value, (int, float)):
                    continue
                for dimensions in dimension_sets:
                    data.append(
                        {
                            "MetricName": metric["Name"],
                            "Dimensions": [
                                {"Name": d, "Value": str(document.get(d, ""))} for d in dimensions
                            ],
                            "Timestamp": timestamp,
                            "Value": float(value),
                            "Unit": metric.get("Unit", "None"),
                        }
                    )
        if data:
            out.append((directive["Namespace"], data))
    return out
