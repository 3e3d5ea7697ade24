"""One CloudWatch dashboard for the loop: drift, the endpoint's variants and pipeline runs."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constructs.endpoint import VARIANTS
from infra.constructs.monitoring_alarms import (
    DRIFT_SERVICE,
    NAMESPACE,
    QUALITY_SERVICE,
    check_metric,
    drift_metric,
)

WIDTH = 12


def _variant_metric(
    endpoint_name: str, variant: str, name: str, statistic: str, label: str | None = None
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/SageMaker",
        metric_name=name,
        dimensions_map={"EndpointName": endpoint_name, "VariantName": variant},
        statistic=statistic,
        period=Duration.minutes(5),
        label=label or variant,
    )


class LoopDashboard(Construct):
    """``{prefix}-loop``: feature drift, drift share, per-variant traffic, pipeline outcomes."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        endpoint_name: str,
        state_machine: sfn.IStateMachine,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{prefix}-loop",
            widgets=[
                _drift_row(),
                _traffic_row(endpoint_name),
                _latency_and_runs_row(endpoint_name, state_machine),
                _quality_row(),
            ],
        )


def _drift_row() -> list[cloudwatch.IWidget]:
    # The drift check publishes one metric per feature (dimension Feature): search for them.
    search = f'{{{NAMESPACE},Feature,service}} MetricName="DriftPsi" service="{DRIFT_SERVICE}"'
    feature_psi = cloudwatch.MathExpression(
        expression=f"SEARCH('{search}', 'Maximum', 3600)",
        label="",
        period=Duration.hours(1),
        using_metrics={},
    )
    return [
        cloudwatch.GraphWidget(title="PSI per feature", left=[feature_psi], width=WIDTH),
        cloudwatch.GraphWidget(
            title="Share of drifted features",
            left=[drift_metric("DriftShare")],
            left_y_axis=cloudwatch.YAxisProps(min=0, max=1),
            width=WIDTH,
        ),
    ]


def _traffic_row(endpoint_name: str) -> list[cloudwatch.IWidget]:
    return [
        cloudwatch.GraphWidget(
            title="Invocations per variant",
            left=[_variant_metric(endpoint_name, v, "Invocations", "Sum") for v in VARIANTS],
            width=WIDTH,
        ),
        cloudwatch.GraphWidget(
            title="Errors per variant",
            left=[
                _variant_metric(endpoint_name, v, name, "Sum", f"{v} {name}")
                for v in VARIANTS
                for name in ("Invocation4XXErrors", "Invocation5XXErrors")
            ],
            width=WIDTH,
        ),
    ]


def _latency_and_runs_row(
    endpoint_name: str, state_machine: sfn.IStateMachine
) -> list[cloudwatch.IWidget]:
    return [
        cloudwatch.GraphWidget(
            title="Model latency p99 per variant (µs)",
            left=[_variant_metric(endpoint_name, v, "ModelLatency", "p99") for v in VARIANTS],
            width=WIDTH,
        ),
        cloudwatch.GraphWidget(
            title="Pipeline runs",
            left=[
                state_machine.metric_started(label="started"),
                state_machine.metric_succeeded(label="succeeded"),
                state_machine.metric_failed(label="failed"),
            ],
            width=WIDTH,
        ),
    ]


def _quality_row() -> list[cloudwatch.IWidget]:
    return [
        cloudwatch.GraphWidget(
            title="Champion's live metric and its interval",
            left=[
                check_metric(QUALITY_SERVICE, name, label=label)
                for name, label in (
                    ("LiveMetric", "live"),
                    ("LiveMetricLower", "lower bound"),
                    ("LiveMetricUpper", "upper bound"),
                )
            ],
            width=WIDTH,
        ),
        cloudwatch.GraphWidget(
            title="Labelled predictions judged per window",
            left=[check_metric(QUALITY_SERVICE, "LabelsUsed", "Sum", "labels")],
            width=WIDTH,
        ),
    ]
