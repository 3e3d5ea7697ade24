"""Alarms on the loop itself: failed runs, drifted data, degraded live quality or fairness,
failing checks."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

NAMESPACE = "shadowloop"
DRIFT_SERVICE = "drift_check"
QUALITY_SERVICE = "quality_check"
# Every function that reads captures or feedback publishes RecordsSkipped.
CAPTURE_READERS = ("drift_check", "quality_check", "promotion_check", "prepare_retraining_data")


def check_metric(
    service: str, metric_name: str, statistic: str = "Maximum", label: str | None = None
) -> cloudwatch.Metric:
    """A metric a scheduled check publishes; Powertools adds the ``service`` dimension."""
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"service": service},
        statistic=statistic,
        period=Duration.hours(1),
        label=label,
    )


def drift_metric(metric_name: str, statistic: str = "Maximum") -> cloudwatch.Metric:
    return check_metric(DRIFT_SERVICE, metric_name, statistic)


class MonitoringAlarms(Construct):
    """Each alarm notifies the project topic; names are ``{prefix}-<what>``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        state_machine: sfn.IStateMachine,
        drift_function: lambda_.IFunction,
        quality_function: lambda_.IFunction,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self.pipeline_failed = self._at_least_once(
            "PipelineFailed",
            f"{prefix}-pipeline-failed",
            "A training pipeline run failed",
            state_machine.metric_failed(period=Duration.minutes(5), statistic="Sum"),
        )
        self.dataset_drifted = self._at_least_once(
            "DatasetDrifted",
            f"{prefix}-dataset-drifted",
            "Captured inputs drifted from the champion's baseline",
            drift_metric("DatasetDrifted"),
        )
        self.drift_check_failing = self._at_least_once(
            "DriftCheckFailing",
            f"{prefix}-drift-check-failing",
            "The drift check itself fails, so drift would go unnoticed",
            drift_function.metric_errors(period=Duration.hours(1), statistic="Sum"),
        )
        self.quality_degraded = self._at_least_once(
            "QualityDegraded",
            f"{prefix}-quality-degraded",
            "The champion's live error is surely above its holdout metric plus the tolerance",
            check_metric(QUALITY_SERVICE, "QualityDegraded"),
        )
        self.fairness_breached = self._at_least_once(
            "FairnessBreached",
            f"{prefix}-fairness-breached",
            "The champion's live fairness broke a limit in two consecutive decided looks",
            check_metric(QUALITY_SERVICE, "FairnessAlarm"),
        )
        self.quality_check_failing = self._at_least_once(
            "QualityCheckFailing",
            f"{prefix}-quality-check-failing",
            "The quality check itself fails, so a worse model would go unnoticed",
            quality_function.metric_errors(period=Duration.hours(1), statistic="Sum"),
        )
        self.records_skipped = self._records_skipped(prefix)
        for alarm in (
            self.pipeline_failed,
            self.dataset_drifted,
            self.drift_check_failing,
            self.quality_degraded,
            self.fairness_breached,
            self.quality_check_failing,
            *self.records_skipped.values(),
        ):
            alarm.add_alarm_action(actions.SnsAction(topic))

    def _records_skipped(self, prefix: str) -> dict[str, cloudwatch.Alarm]:
        """One alarm per reader: a skipped record is data a check did not see."""
        return {
            service: self._at_least_once(
                f"RecordsSkipped-{service}",
                f"{prefix}-records-skipped-{service.replace('_', '-')}",
                f"{service} skipped capture lines or feedback it could not read",
                check_metric(service, "RecordsSkipped", statistic="Sum"),
            )
            for service in CAPTURE_READERS
        }

    def _at_least_once(
        self, construct_id: str, name: str, description: str, metric: cloudwatch.IMetric
    ) -> cloudwatch.Alarm:
        """An alarm on any occurrence in one period; no data is not a breach."""
        return cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=name,
            alarm_description=description,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
