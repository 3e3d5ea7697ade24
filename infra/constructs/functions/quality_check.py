"""The scheduled quality check: the champion's labelled live error against its holdout metric."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import Config, Quality
from infra.constructs.function import Function
from infra.constructs.functions.access import query_index, read_objects, write_objects
from infra.constructs.functions.monitoring import CHECK, allow_retraining
from infra.constructs.nag import GRANT_ACTIONS, suppress_wildcards
from infra.constructs.sagemaker_access import allow_describe_serving
from lambdas.shared.contracts import environment as env
from lambdas.shared.contracts import feedback

if TYPE_CHECKING:
    from infra.stacks.data import DataStack

CALIBRATION = "runs/*/evaluation/calibration.json"


def rule(quality: Quality) -> str:
    """The ``QUALITY_RULE`` wire form: alpha, tolerance and min_labels as sorted JSON."""
    names = ("alpha", "tolerance", "min_labels")
    return json.dumps({name: getattr(quality, name) for name in names}, sort_keys=True)


class QualityCheck(Function):
    def __init__(
        self,
        scope: Construct,
        *,
        config: Config,
        data: DataStack,
        endpoint_name: str,
        state_machine: sfn.IStateMachine,
        table: dynamodb.ITable,
    ) -> None:
        quality = config.quality
        super().__init__(
            scope,
            "QualityCheck",
            config=config,
            name="quality_check",
            description="Compares the champion's labelled live error with its holdout metric",
            environment={
                **data.model_spec.environment,
                env.CAPTURE_BUCKET: data.capture_bucket.bucket_name,
                env.INFERENCE_TABLE: table.table_name,
                env.ARTIFACT_BUCKET: data.artifact_bucket.bucket_name,
                env.ENDPOINT_NAME: endpoint_name,
                env.STATE_MACHINE_ARN: state_machine.state_machine_arn,
                env.ALERTS_TOPIC_ARN: data.topic.topic_arn,
                env.QUALITY_RULE: rule(quality),
                env.QUALITY_LABEL_DELAY_MINUTES: str(quality.label_delay_minutes),
                env.QUALITY_COOLDOWN_MINUTES: str(quality.cooldown_minutes),
                env.MAX_WINDOW_HOURS: str(quality.max_window_hours),
            },
            **CHECK,
        )
        data.model_spec.grant_read(self.role)
        allow_retraining(self.role, state_machine)
        read_objects(self.role, data.capture_bucket)
        query_index(self.role, table, feedback.INDEX)
        read_objects(self.role, data.artifact_bucket, "monitoring/quality/*")
        write_objects(self.role, data.artifact_bucket, "monitoring/quality/*")
        # The champion's calibration, for the label-free estimate (classifiers only).
        read_objects(self.role, data.artifact_bucket, CALIBRATION)
        suppress_wildcards(
            self.role,
            "Reads calibration.json of any run and nothing else of it: which run trained the "
            "champion is known only when the check runs.",
            r"^Resource::.*/runs/\*/evaluation/calibration\.json$",
        )
        data.topic.grant_publish(self.role)
        suppress_wildcards(
            self.role, "Publishing to the encrypted topic uses its key.", GRANT_ACTIONS
        )
        if data.topic.master_key is not None:
            # SNS uses an encrypted topic's key with the publisher's rights.
            data.topic.master_key.grant(self.role, "kms:GenerateDataKey", "kms:Decrypt")
        group = data.model_package_group_name
        allow_describe_serving(self.role, prefix=config.prefix, group=group)
