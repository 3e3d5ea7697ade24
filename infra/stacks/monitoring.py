"""Monitoring stack: drift, quality and promotion checks, retrain schedule, alarms, dashboard."""

from __future__ import annotations

import json
from typing import Any, cast

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import Config
from infra.constructs.dashboard import LoopDashboard
from infra.constructs.function import Function
from infra.constructs.monitoring_alarms import NAMESPACE, MonitoringAlarms
from infra.constructs.nag import FUNCTION_VERSIONS, GRANT_WILDCARDS, suppress_wildcards
from infra.constructs.sagemaker_access import allow_describe_serving
from infra.stacks.data import DataStack
from infra.stacks.pipeline import PipelineStack
from infra.stacks.serving import ServingStack
from lambdas.shared.contracts import run_input

CHECK_TIMEOUT = Duration.minutes(5)
CHECK_MEMORY = 1024


class MonitoringStack(Stack):
    """Notices quiet failures: drift starts retraining, a better challenger gets promoted."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        data: DataStack,
        serving: ServingStack,
        pipeline: PipelineStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        state_machine = pipeline.state_machine
        drift = config.drift

        self.drift_check = Function(
            self,
            "DriftCheck",
            config=config,
            name="drift_check",
            description="Compares captured inputs with the champion's baseline; drift starts a run",
            memory_size=CHECK_MEMORY,
            timeout=CHECK_TIMEOUT,
            needs_numpy=True,
            environment={
                **data.model_spec.environment,
                "CAPTURE_BUCKET": data.capture_bucket.bucket_name,
                "ARTIFACT_BUCKET": data.artifact_bucket.bucket_name,
                "ENDPOINT_NAME": serving.endpoint_name,
                "STATE_MACHINE_ARN": state_machine.state_machine_arn,
                "DRIFT_THRESHOLDS": json.dumps(
                    {
                        "psi_warn": drift.psi_warn,
                        "psi_alert": drift.psi_alert,
                        "jensen_shannon": drift.jensen_shannon,
                        "wasserstein": drift.wasserstein,
                        "linf": drift.linf,
                        "drift_share": drift.drift_share,
                    },
                    sort_keys=True,
                ),
                "DRIFT_MIN_ROWS": str(drift.min_rows),
                "DRIFT_COOLDOWN_MINUTES": str(drift.cooldown_minutes),
            },
        )
        drift_role = self.drift_check.role
        data.model_spec.grant_read(drift_role)
        state_machine.grant_start_execution(drift_role)
        drift_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:ListExecutions"], resources=[state_machine.state_machine_arn]
            )
        )
        data.capture_bucket.grant_read(drift_role)
        data.artifact_bucket.grant_read_write(drift_role, "monitoring/*")
        data.artifact_bucket.grant_read(drift_role, "runs/*")
        allow_describe_serving(
            drift_role, prefix=config.prefix, group=data.model_package_group_name
        )
        self._allow_put_metrics(drift_role)

        self.quality_check = self._quality_check(config, data, serving, state_machine)

        self.promotion_check = Function(
            self,
            "PromotionCheck",
            config=config,
            name="promotion_check",
            description="Compares the shadow challenger with the champion; promotes or retires it",
            memory_size=CHECK_MEMORY,
            timeout=CHECK_TIMEOUT,
            needs_numpy=True,
            environment={
                "ENDPOINT_NAME": serving.endpoint_name,
                "CAPTURE_BUCKET": data.capture_bucket.bucket_name,
                "ARTIFACT_BUCKET": data.artifact_bucket.bucket_name,
                "INFERENCE_TABLE": serving.table.table_name,
                **data.model_spec.environment,
                "PROMOTION_MARGIN": str(config.promotion.margin),
                "PROMOTION_MIN_LABELLED": str(config.promotion.min_labelled),
                "PROMOTION_ALPHA": str(config.promotion.alpha),
                "DEPLOY_FUNCTION_NAME": serving.deploy.function.function_name,
            },
        )
        promotion_role = self.promotion_check.role
        data.model_spec.grant_read(promotion_role)
        data.capture_bucket.grant_read(promotion_role)
        data.artifact_bucket.grant_put(promotion_role, "monitoring/*")
        serving.table.grant_read_data(promotion_role)
        serving.deploy.function.grant_invoke(promotion_role)
        allow_describe_serving(
            promotion_role, prefix=config.prefix, group=data.model_package_group_name
        )
        self._allow_put_metrics(promotion_role)
        promotion_role.add_to_principal_policy(
            # GetMetricData supports no resource scope.
            iam.PolicyStatement(actions=["cloudwatch:GetMetricData"], resources=["*"])
        )
        for function in (self.drift_check, self.quality_check, self.promotion_check):
            suppress_wildcards(
                function.role,
                "Grants on the project's buckets, table and key, objects under monitoring/ and "
                "runs/, describe calls on the project's endpoint and packages; CloudWatch metric "
                "calls support no resource scope (PutMetricData is limited to the namespace).",
                *GRANT_WILDCARDS,
                r"^Resource::arn:.*:sagemaker:.*:(endpoint|endpoint-config|model)/"
                + config.prefix
                + r"-\*$",
                FUNCTION_VERSIONS,
                r"^Resource::\*$",
            )

        events.Rule(
            self,
            "DriftSchedule",
            rule_name=f"{config.prefix}-drift-check",
            description="Runs the drift check",
            schedule=events.Schedule.expression(drift.schedule),
            targets=[targets.LambdaFunction(self.drift_check.function)],
        )
        events.Rule(
            self,
            "QualitySchedule",
            rule_name=f"{config.prefix}-quality-check",
            description="Runs the live quality check",
            schedule=events.Schedule.expression(config.quality.schedule),
            targets=[targets.LambdaFunction(self.quality_check.function)],
        )
        events.Rule(
            self,
            "PromotionSchedule",
            rule_name=f"{config.prefix}-promotion-check",
            description="Runs the promotion check",
            schedule=events.Schedule.expression(config.promotion.schedule),
            targets=[targets.LambdaFunction(self.promotion_check.function)],
        )
        retrain_input = run_input.build(config.model.dataset, None, run_input.SCHEDULE).as_dict()
        retrain = events.Rule(
            self,
            "RetrainSchedule",
            rule_name=f"{config.prefix}-retrain",
            description="Retrains on the latest dataset version on a fixed schedule",
            schedule=events.Schedule.expression(config.retrain_schedule),
            targets=[
                targets.SfnStateMachine(
                    state_machine, input=events.RuleTargetInput.from_object(retrain_input)
                )
            ],
        )
        # The CDK drops null values from target input, but the pipeline needs "version_id": null.
        cfn_retrain = cast(events.CfnRule, retrain.node.default_child)
        cfn_retrain.add_property_override("Targets.0.Input", json.dumps(retrain_input))

        self.alarms = MonitoringAlarms(
            self,
            "Alarms",
            prefix=config.prefix,
            state_machine=state_machine,
            drift_function=self.drift_check.function,
            quality_function=self.quality_check.function,
            topic=data.topic,
        )
        LoopDashboard(
            self,
            "Dashboard",
            prefix=config.prefix,
            endpoint_name=serving.endpoint_name,
            state_machine=state_machine,
        )

    def _quality_check(
        self,
        config: Config,
        data: DataStack,
        serving: ServingStack,
        state_machine: sfn.IStateMachine,
    ) -> Function:
        """The live quality check and exactly the calls it makes."""
        quality = config.quality
        function = Function(
            self,
            "QualityCheck",
            config=config,
            name="quality_check",
            description="Compares the champion's labelled live error with its holdout metric",
            memory_size=CHECK_MEMORY,
            timeout=CHECK_TIMEOUT,
            needs_numpy=True,
            environment={
                **data.model_spec.environment,
                "CAPTURE_BUCKET": data.capture_bucket.bucket_name,
                "ARTIFACT_BUCKET": data.artifact_bucket.bucket_name,
                "ENDPOINT_NAME": serving.endpoint_name,
                "STATE_MACHINE_ARN": state_machine.state_machine_arn,
                "ALERTS_TOPIC_ARN": data.topic.topic_arn,
                "QUALITY_RULE": json.dumps(
                    {
                        "alpha": quality.alpha,
                        "tolerance": quality.tolerance,
                        "min_labels": quality.min_labels,
                    },
                    sort_keys=True,
                ),
                "QUALITY_LABEL_DELAY_MINUTES": str(quality.label_delay_minutes),
                "QUALITY_COOLDOWN_MINUTES": str(quality.cooldown_minutes),
            },
        )
        role = function.role
        data.model_spec.grant_read(role)
        state_machine.grant_start_execution(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:ListExecutions"], resources=[state_machine.state_machine_arn]
            )
        )
        data.capture_bucket.grant_read(role)
        data.artifact_bucket.grant_read_write(role, "monitoring/quality/*")
        # The champion's calibration, for the label-free estimate (classifiers only).
        data.artifact_bucket.grant_read(role, "runs/*/evaluation/calibration.json")
        suppress_wildcards(
            role,
            "Reads calibration.json of any run and nothing else of it: which run trained the "
            "champion is known only when the check runs.",
            r"^Resource::.*/runs/\*/evaluation/calibration\.json$",
        )
        data.topic.grant_publish(role)
        if data.topic.master_key is not None:
            # SNS uses an encrypted topic's key with the publisher's rights.
            data.topic.master_key.grant(role, "kms:GenerateDataKey", "kms:Decrypt")
        allow_describe_serving(role, prefix=config.prefix, group=data.model_package_group_name)
        self._allow_put_metrics(role)
        return function

    @staticmethod
    def _allow_put_metrics(role: iam.IRole) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
            )
        )
