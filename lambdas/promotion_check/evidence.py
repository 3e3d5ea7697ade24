"""What the promotion check reads from CloudWatch: each variant's health."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger(__name__)

NAMESPACE = "AWS/SageMaker"


@dataclass(frozen=True)
class VariantHealth:
    """A variant's invocations, 5XX error rate and p99 model latency (ms) in a window."""

    invocations: float | None
    errors: float | None
    error_rate: float | None
    latency_p99: float | None


def variant_health(
    cloudwatch: Any, endpoint_name: str, variants: list[str], start: datetime, end: datetime
) -> dict[str, VariantHealth]:
    """Per variant health from ``AWS/SageMaker``; missing data is None, not an error."""
    # Whole minutes: CloudWatch refuses a window shorter than its one-minute resolution.
    start = start.replace(second=0, microsecond=0)
    end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    period = _period(start, end)
    sums = _metric_values(
        cloudwatch,
        [
            _query(f"{metric.lower()}{index}", endpoint_name, variant, metric, "Sum", period)
            for index, variant in enumerate(variants)
            for metric in ("Invocations", "Invocation5XXErrors")
        ],
        start,
        end,
    )
    # Latency is reported, never decided on, so a failed percentile query only
    # leaves it null (some CloudWatch emulations do not compute percentiles).
    try:
        latency = _metric_values(
            cloudwatch,
            [
                _query(f"latency{index}", endpoint_name, variant, "ModelLatency", "p99", period)
                for index, variant in enumerate(variants)
            ],
            start,
            end,
        )
    except (ClientError, BotoCoreError) as exc:
        logger.warning("p99 ModelLatency unavailable: %s", exc)
        latency = {}
    return {
        variant: _health(
            sums.get(f"invocations{index}"),
            sums.get(f"invocation5xxerrors{index}"),
            latency.get(f"latency{index}"),
        )
        for index, variant in enumerate(variants)
    }


def _query(
    query_id: str, endpoint_name: str, variant: str, metric: str, stat: str, period: int
) -> dict[str, Any]:
    dimensions = [
        {"Name": "EndpointName", "Value": endpoint_name},
        {"Name": "VariantName", "Value": variant},
    ]
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": dimensions},
            "Period": period,
            "Stat": stat,
        },
    }


def _metric_values(
    cloudwatch: Any, queries: list[dict[str, Any]], start: datetime, end: datetime
) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {}
    token = None
    while True:
        page = cloudwatch.get_metric_data(
            MetricDataQueries=queries,
            StartTime=start,
            EndTime=end,
            **({"NextToken": token} if token else {}),
        )
        for result in page.get("MetricDataResults", []):
            values.setdefault(result["Id"], []).extend(result.get("Values", []))
        token = page.get("NextToken")
        if not token:
            return values


def _health(
    invocations: list[float] | None, errors: list[float] | None, latency: list[float] | None
) -> VariantHealth:
    total = sum(invocations) if invocations else None
    failed = sum(errors) if errors else (0.0 if total else None)
    # ModelLatency is in microseconds; the report speaks milliseconds.
    p99 = max(latency) / 1000 if latency else None
    return VariantHealth(
        invocations=total,
        errors=failed,
        error_rate=failed / total if total and failed is not None else None,
        latency_p99=p99,
    )


def _period(start: datetime, end: datetime) -> int:
    """One period over the whole window, so p99 is exact; hours for long windows."""
    seconds = max(60.0, (end - start).total_seconds())
    unit = 3600 if seconds > 3 * 3600 else 60
    return int(math.ceil(seconds / unit) * unit)
