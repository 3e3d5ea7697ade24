"""The API function behind API Gateway: predictions, feedback, the serving model, audit records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import Config
from infra.constructs.function import Function
from infra.constructs.functions.access import use_table
from infra.constructs.sagemaker_access import allow_describe_serving, endpoint_arn
from lambdas.shared.contracts import environment as env

if TYPE_CHECKING:
    from infra.stacks.data import DataStack


class Api(Function):
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
            "ApiFunction",
            config=config,
            name="api",
            description="Answers predictions, records feedback and names the serving model",
            environment={
                **data.model_spec.environment,
                env.ENDPOINT_NAME: endpoint_name,
                env.INFERENCE_TABLE: table.table_name,
                env.MAX_BATCH: str(config.serving.max_batch),
                env.AUDIT_RETENTION_DAYS: str(config.serving.audit_retention_days),
            },
        )
        data.model_spec.grant_read(self.role)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sagemaker:InvokeEndpoint"], resources=[endpoint_arn(self, endpoint_name)]
            )
        )
        allow_describe_serving(self.role, prefix=config.prefix, group=data.model_package_group_name)
        use_table(self.role, table, reads=("GetItem",), writes=("BatchWriteItem", "UpdateItem"))
