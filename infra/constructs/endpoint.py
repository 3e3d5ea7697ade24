"""The SageMaker endpoint as a custom resource, and the per-variant alarms that guard it."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.constructs.nag import FUNCTION_VERSIONS, suppress, suppress_wildcards

VARIANTS = ("champion", "challenger")
LATENCY_P99_MICROSECONDS = 1_000_000
_AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
_ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD


@dataclass(frozen=True)
class _Guard:
    """One alarm per variant: ``{prefix}-{variant}-{suffix}``."""

    suffix: str
    metric_name: str
    statistic: str
    threshold: float
    evaluation_periods: int
    comparison: cloudwatch.ComparisonOperator
    description: str


GUARDS = (
    _Guard("5xx", "Invocation5XXErrors", "Sum", 1, 2, _AT_LEAST, "answers with server errors"),
    _Guard(
        "latency-p99",
        "ModelLatency",
        "p99",
        LATENCY_P99_MICROSECONDS,
        3,
        _ABOVE,
        "has a p99 model latency above 1 s",
    ),
)


class EndpointAlarms(Construct):
    """5xx and p99-latency alarms per variant; their names double as deployment rollback alarms."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        endpoint_name: str,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        self.alarm_names: list[str] = []
        # Built from the names, so another stack's policy can name them without a reference.
        self.alarm_arns: list[str] = []
        for variant in VARIANTS:
            for guard in GUARDS:
                name = f"{prefix}-{variant}-{guard.suffix}"
                alarm = cloudwatch.Alarm(
                    self,
                    name.removeprefix(f"{prefix}-"),
                    alarm_name=name,
                    alarm_description=f"The {variant} variant {guard.description}",
                    metric=cloudwatch.Metric(
                        namespace="AWS/SageMaker",
                        metric_name=guard.metric_name,
                        dimensions_map={"EndpointName": endpoint_name, "VariantName": variant},
                        statistic=guard.statistic,
                        period=Duration.minutes(1),
                    ),
                    threshold=guard.threshold,
                    evaluation_periods=guard.evaluation_periods,
                    comparison_operator=guard.comparison,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
                alarm.add_alarm_action(actions.SnsAction(topic))
                self.alarms.append(alarm)
                self.alarm_names.append(name)
                self.alarm_arns.append(
                    Stack.of(self).format_arn(
                        service="cloudwatch",
                        resource="alarm",
                        resource_name=name,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                )


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
            FUNCTION_VERSIONS,
        )
