"""The scheduled drift check: captured inputs against the champion's baseline."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import Config, Drift
from infra.constructs.function import Function
from infra.constructs.functions.access import read_objects, write_objects
from infra.constructs.functions.monitoring import CHECK, allow_retraining
from infra.constructs.sagemaker_access import allow_describe_serving
from lambdas.shared.contracts import environment as env

if TYPE_CHECKING:
    from infra.stacks.data import DataStack


def thresholds(drift: Drift) -> str:
    """The ``DRIFT_THRESHOLDS`` wire form: the config's thresholds as sorted JSON."""
    names = ("psi_warn", "psi_alert", "jensen_shannon", "wasserstein", "linf", "drift_share")
    return json.dumps({name: getattr(drift, name) for name in names}, sort_keys=True)


class DriftCheck(Function):
    def __init__(
        self,
        scope: Construct,
        *,
        config: Config,
        data: DataStack,
        endpoint_name: str,
        state_machine: sfn.IStateMachine,
    ) -> None:
        super().__init__(
            scope,
            "DriftCheck",
            config=config,
            name="drift_check",
            description="Compares captured inputs with the champion's baseline; drift starts a run",
            environment={
                **data.model_spec.environment,
                env.CAPTURE_BUCKET: data.capture_bucket.bucket_name,
                env.ARTIFACT_BUCKET: data.artifact_bucket.bucket_name,
                env.ENDPOINT_NAME: endpoint_name,
                env.STATE_MACHINE_ARN: state_machine.state_machine_arn,
                env.DRIFT_THRESHOLDS: thresholds(config.drift),
                env.DRIFT_MIN_ROWS: str(config.drift.min_rows),
                env.DRIFT_COOLDOWN_MINUTES: str(config.drift.cooldown_minutes),
                env.MAX_WINDOW_HOURS: str(config.drift.max_window_hours),
            },
            **CHECK,
        )
        data.model_spec.grant_read(self.role)
        allow_retraining(self.role, state_machine)
        read_objects(self.role, data.capture_bucket)
        read_objects(self.role, data.artifact_bucket, "monitoring/*")
        write_objects(self.role, data.artifact_bucket, "monitoring/*")
        read_objects(self.role, data.artifact_bucket, "runs/*")
        allow_describe_serving(self.role, prefix=config.prefix, group=data.model_package_group_name)
