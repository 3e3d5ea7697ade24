"""The SageMaker endpoint as a custom resource, and the per-variant alarms that guard it."""

from __future__ import annotations

from aws_cdk import CustomResource, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.constructs.nag import suppress, suppress_wildcards

VARIANTS = ("champion", "challenger")
LATENCY_P99_MICROSECONDS = 1_000_000


class EndpointAlarms(Construct):
    """5xx and p99-latency alarms per variant; their names double as deployment rollback alarms."""

    def __init__(
        self, scope: Construct, construct_id: str, *, prefix: str, endpoint_name: str, topic: sns.ITopic
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        for variant in VARIANTS:
            dimensions = {"EndpointName": endpoint_name, "VariantName": variant}
            self.alarms.append(
                cloudwatch.Alarm(
                    self,
                    f"{variant.capitalize()}Errors",
                    alarm_name=f"{prefix}-{variant}-5xx",
                    alarm_description=f"The {variant} variant answers with server errors",
                    metric=cloudwatch.Metric(
                        namespace="AWS/SageMaker",
                        metric_name="Invocation5XXErrors",
                        dimensions_map=dimensions,
                        statistic="Sum",
                        period=Duration.minutes(1),
                    ),
                    threshold=1,
                    evaluation_periods=2,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
            self.alarms.append(
                cloudwatch.Alarm(
                    self,
                    f"{variant.capitalize()}Latency",
                    alarm_name=f"{prefix}-{variant}-latency-p99",
                    alarm_description=f"The {variant} variant's p99 model latency is above 1 s",
                    metric=cloudwatch.Metric(
                        namespace="AWS/SageMaker",
                        metric_name="ModelLatency",
                        dimensions_map=dimensions,
                        statistic="p99",
                        period=Duration.minutes(1),
                    ),
                    threshold=LATENCY_P99_MICROSECONDS,
                    evaluation_periods=3,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        for alarm in self.alarms:
            alarm.add_alarm_action(actions.SnsAction(topic))
        self.alarm_names = [f"{prefix}-{v}-{kind}" for v in VARIANTS for kind in ("5xx", "latency-p99")]


class EndpointResource(Construct):
    """The endpoint as a CloudFormation custom resource handled by the deploy function.

    It always exists, so deleting the stack deletes the endpoint. Empty package ARNs mean
    no model yet: the first pipeline run deploys one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        deploy_function: lambda_.IFunction,
        champion_package_arn: str | None,
        challenger_package_arn: str | None,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=deploy_function,
            provider_function_name=f"{prefix}-endpoint-provider",
            log_group=logs.LogGroup(
                self,
                "ProviderLogs",
                log_group_name=f"/aws/lambda/{prefix}-endpoint-provider",
                retention=log_retention,
                removal_policy=RemovalPolicy.DESTROY,
            ),
        )
        self.resource = CustomResource(
            self,
            "Endpoint",
            service_token=self.provider.service_token,
            resource_type="Custom::ShadowloopEndpoint",
            properties={
                "ChampionModelPackageArn": champion_package_arn or "",
                "ChallengerModelPackageArn": challenger_package_arn or "",
            },
        )
        suppress(
            self.provider,
            "L1",
            "The provider framework's runtime is chosen and updated by the CDK library.",
        )
        suppress(
            self.provider,
            "IAM4",
            "The CDK provider framework attaches AWSLambdaBasicExecutionRole to its own function.",
        )
        suppress_wildcards(
            self.provider,
            "The provider framework may invoke any version of the deploy function.",
            r"^Resource::<.*\.Arn>:\*$",
        )
