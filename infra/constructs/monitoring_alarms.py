"""Alarms on the loop itself: failed pipeline runs, drifted data, a failing drift check."""

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


def drift_metric(metric_name: str, statistic: str = "Maximum") -> cloudwatch.Metric:
    """A metric the drift check publishes; Powertools adds the ``service`` dimension."""
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"service": DRIFT_SERVICE},
        statistic=statistic,
        period=Duration.hours(1),
    )


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
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        at_least_one = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        self.pipeline_failed = cloudwatch.Alarm(
            self,
            "PipelineFailed",
            alarm_name=f"{prefix}-pipeline-failed",
            alarm_description="A training pipeline run failed",
            metric=state_machine.metric_failed(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=at_least_one,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.dataset_drifted = cloudwatch.Alarm(
            self,
            "DatasetDrifted",
            alarm_name=f"{prefix}-dataset-drifted",
            alarm_description="Captured inputs drifted from the champion's baseline",
            metric=drift_metric("DatasetDrifted"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=at_least_one,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.drift_check_failing = cloudwatch.Alarm(
            self,
            "DriftCheckFailing",
            alarm_name=f"{prefix}-drift-check-failing",
            alarm_description="The drift check itself fails, so drift would go unnoticed",
            metric=drift_function.metric_errors(period=Duration.hours(1), statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=at_least_one,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for alarm in (self.pipeline_failed, self.dataset_drifted, self.drift_check_failing):
            alarm.add_alarm_action(actions.SnsAction(topic))
