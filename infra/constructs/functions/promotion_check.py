"""The scheduled promotion check: the shadow challenger against the champion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import Config
from infra.constructs.function import Function
from infra.constructs.functions.access import query_index, read_objects, write_objects
from infra.constructs.functions.monitoring import CHECK
from infra.constructs.nag import ANY_RESOURCE, FUNCTION_VERSIONS, suppress_wildcards
from infra.constructs.sagemaker_access import allow_describe_serving
from lambdas.shared.contracts import environment as env
from lambdas.shared.contracts import feedback
from lambdas.shared.contracts.layout import PROMOTION_STATE_PREFIX

if TYPE_CHECKING:
    from infra.stacks.data import DataStack


class PromotionCheck(Function):
    def __init__(
        self,
        scope: Construct,
        *,
        config: Config,
        data: DataStack,
        endpoint_name: str,
        deploy: lambda_.IFunction,
        table: dynamodb.ITable,
    ) -> None:
        promotion = config.promotion
        super().__init__(
            scope,
            "PromotionCheck",
            config=config,
            name="promotion_check",
            description="Compares the shadow challenger with the champion; promotes or retires it",
            environment={
                **data.model_spec.environment,
                env.ENDPOINT_NAME: endpoint_name,
                env.CAPTURE_BUCKET: data.capture_bucket.bucket_name,
                env.INFERENCE_TABLE: table.table_name,
                env.ARTIFACT_BUCKET: data.artifact_bucket.bucket_name,
                env.PROMOTION_MARGIN: str(promotion.margin),
                env.PROMOTION_MIN_LABELLED: str(promotion.min_labelled),
                env.PROMOTION_ALPHA: str(promotion.alpha),
                env.PROMOTION_LABEL_HORIZON_HOURS: str(promotion.label_horizon_hours),
                env.DEPLOY_FUNCTION_NAME: deploy.function_name,
            },
            **CHECK,
        )
        data.model_spec.grant_read(self.role)
        read_objects(self.role, data.capture_bucket)
        read_objects(self.role, data.artifact_bucket, f"{PROMOTION_STATE_PREFIX}*")
        query_index(self.role, table, feedback.INDEX)
        write_objects(self.role, data.artifact_bucket, "monitoring/*")
        deploy.grant_invoke(self.role)
        suppress_wildcards(
            self.role, "Invokes any version of the deploy function.", FUNCTION_VERSIONS
        )
        allow_describe_serving(self.role, prefix=config.prefix, group=data.model_package_group_name)
        # The variants' invocation and error counts; GetMetricData supports no resource scope.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["cloudwatch:GetMetricData"], resources=["*"])
        )
        suppress_wildcards(
            self.role, "cloudwatch:GetMetricData supports no resource scope.", ANY_RESOURCE
        )
