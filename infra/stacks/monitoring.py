"""Monitoring stack: drift, quality and promotion checks, retrain schedule, alarms, dashboard."""

from __future__ import annotations

import json
from typing import Any, cast

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import Config
from infra.constructs.dashboard import LoopDashboard
from infra.constructs.functions.drift_check import DriftCheck
from infra.constructs.functions.promotion_check import PromotionCheck
from infra.constructs.functions.quality_check import QualityCheck
from infra.constructs.monitoring_alarms import MonitoringAlarms
from infra.stacks.data import DataStack
from infra.stacks.pipeline import PipelineStack
from infra.stacks.serving import ServingStack
from lambdas.shared.contracts import run_input


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
        machine, endpoint = pipeline.state_machine, serving.endpoint_name
        checks = {"config": config, "data": data, "endpoint_name": endpoint}
        self.drift_check = DriftCheck(self, **checks, state_machine=machine)
        self.quality_check = QualityCheck(
            self, **checks, state_machine=machine, table=serving.table
        )
        self.promotion_check = PromotionCheck(
            self, **checks, deploy=serving.deploy.function, table=serving.table
        )
        schedules = (
            ("Drift", "drift check", config.drift.schedule, self.drift_check),
            ("Quality", "live quality check", config.quality.schedule, self.quality_check),
            ("Promotion", "promotion check", config.promotion.schedule, self.promotion_check),
        )
        for check, what, expression, function in schedules:
            events.Rule(
                self,
                f"{check}Schedule",
                rule_name=f"{config.prefix}-{check.lower()}-check",
                description=f"Runs the {what}",
                schedule=events.Schedule.expression(expression),
                targets=[targets.LambdaFunction(function.function)],
            )
        self._retrain_schedule(config, machine)
        self.alarms = MonitoringAlarms(
            self,
            "Alarms",
            prefix=config.prefix,
            state_machine=machine,
            drift_function=self.drift_check.function,
            quality_function=self.quality_check.function,
            topic=data.topic,
        )
        LoopDashboard(
            self, "Dashboard", prefix=config.prefix, endpoint_name=endpoint, state_machine=machine
        )

    def _retrain_schedule(self, config: Config, state_machine: sfn.IStateMachine) -> None:
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
