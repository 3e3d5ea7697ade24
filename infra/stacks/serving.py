"""Serving stack: the endpoint (via the deploy function), its alarms, inference table, API."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.config import Config
from infra.constructs.endpoint import EndpointAlarms, EndpointResource
from infra.constructs.function import retention
from infra.constructs.functions.api import Api
from infra.constructs.functions.deploy import Deploy
from infra.constructs.inference_api import InferenceApi
from infra.constructs.storage import data_removal_policy
from infra.stacks.data import DataStack
from lambdas.shared.contracts import feedback

API_STAGE = "v1"


class ServingStack(Stack):
    """The endpoint with a champion and a shadow challenger, and the API that calls it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: Config, data: DataStack, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.endpoint_name = f"{config.prefix}-endpoint"
        self.table = self._inference_table(config, data)
        alarms = EndpointAlarms(
            self,
            "EndpointAlarms",
            prefix=config.prefix,
            endpoint_name=self.endpoint_name,
            topic=data.topic,
        )

        self.deploy = Deploy(
            self, config=config, data=data, endpoint_name=self.endpoint_name, alarms=alarms
        )
        self.endpoint = EndpointResource(
            self,
            "Endpoint",
            prefix=config.prefix,
            deploy_function=self.deploy.function,
            champion_package_arn=config.serving.initial_champion_package,
            challenger_package_arn=config.serving.initial_shadow_package,
            log_retention=retention(config.log_retention_days),
        )

        self.api_function = Api(
            self, config=config, data=data, endpoint_name=self.endpoint_name, table=self.table
        )
        self.api = InferenceApi(
            self,
            "Api",
            prefix=config.prefix,
            stage_name=API_STAGE,
            handler=self.api_function.function,
            auth=config.serving.auth,
            max_batch=config.serving.max_batch,
            throttle_rate=config.serving.throttle_rate,
            throttle_burst=config.serving.throttle_burst,
            log_retention=retention(config.log_retention_days),
            account_cloudwatch_role=config.serving.api_gateway_cloudwatch_role,
        )

        CfnOutput(self, "ApiUrl", value=self.api.api.url)
        CfnOutput(self, "EndpointName", value=self.endpoint_name)
        CfnOutput(self, "DeployFunctionName", value=self.deploy.function.function_name)
        CfnOutput(self, "InferenceTableName", value=self.table.table_name)
        CfnOutput(self, "ApiFunctionName", value=self.api_function.function.function_name)

    def _inference_table(self, config: Config, data: DataStack) -> dynamodb.Table:
        """Each prediction's record, kept for the audit retention period."""
        # No fixed name: a table retained by `cdk destroy` must not block the next deploy.
        table = dynamodb.Table(
            self,
            "Inferences",
            partition_key=dynamodb.Attribute(
                name="inference_id", type=dynamodb.AttributeType.STRING
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute="expires_at",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=data.key,
            removal_policy=data_removal_policy(config.retain_data),
        )
        # Sparse: only labelled items carry the hour key, so the checks read labels alone.
        table.add_global_secondary_index(
            index_name=feedback.INDEX,
            partition_key=dynamodb.Attribute(
                name=feedback.HOUR, type=dynamodb.AttributeType.STRING
            ),
            sort_key=dynamodb.Attribute(name=feedback.SORT, type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.INCLUDE,
            non_key_attributes=list(feedback.PROJECTED),
        )
        return table
