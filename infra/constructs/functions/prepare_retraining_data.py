"""The PrepareRetrainingData step: a new dataset version from labelled captured traffic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import Config
from infra.constructs.function import Function
from infra.constructs.functions.access import query_index, read_objects, write_objects
from infra.constructs.functions.steps import HEAVY
from infra.constructs.sagemaker_access import allow_describe_serving
from lambdas.shared.contracts import environment as env
from lambdas.shared.contracts import feedback

if TYPE_CHECKING:
    from infra.stacks.data import DataStack


class PrepareRetrainingData(Function):
    def __init__(
        self,
        scope: Construct,
        *,
        config: Config,
        data: DataStack,
        endpoint_name: str,
        table: dynamodb.ITable,
    ) -> None:
        super().__init__(
            scope,
            "PrepareRetrainingData",
            config=config,
            name="prepare_retraining_data",
            description="Writes a new dataset version from labelled captured traffic",
            environment={
                **data.model_spec.environment,
                env.DATA_BUCKET: data.data_bucket.bucket_name,
                env.CAPTURE_BUCKET: data.capture_bucket.bucket_name,
                env.INFERENCE_TABLE: table.table_name,
                env.ENDPOINT_NAME: endpoint_name,
                env.RETRAIN_LOOKBACK_HOURS: str(config.quality.retrain_lookback_hours),
            },
            **HEAVY,
        )
        data.model_spec.grant_read(self.role)
        read_objects(self.role, data.data_bucket)
        write_objects(self.role, data.data_bucket, "datasets/*")
        read_objects(self.role, data.capture_bucket)
        query_index(self.role, table, feedback.INDEX)
        # Without a champion to build on, the newest version that passed validation is found
        # by listing the dataset's versions.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucketVersions"], resources=[data.data_bucket.bucket_arn]
            )
        )
        # The champion's package names the dataset version a retraining builds on.
        allow_describe_serving(self.role, prefix=config.prefix, group=data.model_package_group_name)
