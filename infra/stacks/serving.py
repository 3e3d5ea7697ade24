"""Serving stack: the endpoint (via the deploy function), its alarms, inference table, API."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import Config
from infra.constructs.endpoint import EndpointAlarms, EndpointResource
from infra.constructs.function import Function, retention
from infra.constructs.inference_api import InferenceApi
from infra.constructs.nag import GRANT_WILDCARDS, suppress_wildcards
from infra.constructs.sagemaker_access import (
    allow_describe_serving,
    allow_endpoint_management,
    endpoint_arn,
)
from infra.constructs.storage import data_removal_policy
from infra.stacks.data import DataStack

API_STAGE = "v1"


class ServingStack(Stack):
    """The endpoint with a champion and a shadow challenger, and the API that calls it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: Config, data: DataStack, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.endpoint_name = f"{config.prefix}-endpoint"
        group = data.model_package_group_name
        # No fixed name: a table retained by `cdk destroy` must not block the next deploy.
        self.table = dynamodb.Table(
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
        alarms = EndpointAlarms(
            self,
            "EndpointAlarms",
            prefix=config.prefix,
            endpoint_name=self.endpoint_name,
            topic=data.topic,
        )

        self.deploy = Function(
            self,
            "Deploy",
            config=config,
            name="deploy",
            description="Deploys model packages: champion, shadow challenger, promotion, rollback",
            timeout=Duration.minutes(5),
            environment={
                "ENDPOINT_NAME": self.endpoint_name,
                "MODEL_PACKAGE_GROUP": group,
                "SAGEMAKER_ROLE_ARN": data.sagemaker_role.role_arn,
                "CAPTURE_BUCKET": data.capture_bucket.bucket_name,
                "KMS_KEY_ARN": data.key.key_arn,
                "ENDPOINT_INSTANCE_TYPE": config.compute.endpoint_instance_type,
                "ENDPOINT_INSTANCE_COUNT": str(config.compute.endpoint_instance_count),
                "ENDPOINT_INSTANCE_STORAGE": str(config.compute.endpoint_instance_storage).lower(),
                "SERVERLESS": str(config.compute.serverless).lower(),
                "SHADOW_SAMPLING_PERCENT": str(config.serving.shadow_sampling_percent),
                "CAPTURE_SAMPLING_PERCENT": str(config.serving.capture_sampling_percent),
                "ROLLBACK_ALARMS": json.dumps(alarms.alarm_names),
            },
        )
        allow_endpoint_management(
            self.deploy.role, prefix=config.prefix, group=group, sagemaker_role=data.sagemaker_role
        )
        # Guarded deployments: SageMaker watches the rollback alarms as the models' execution role.
        data.sagemaker_role.add_to_principal_policy(
            iam.PolicyStatement(actions=["cloudwatch:DescribeAlarms"], resources=alarms.alarm_arns)
        )
        # Endpoint configs encrypt capture and volumes with the project key through grants.
        data.key.grant(self.deploy.role, "kms:CreateGrant", "kms:DescribeKey")
        suppress_wildcards(
            self.deploy.role,
            "The deploy function manages only the project's endpoint, configs and models "
            "(named with the project prefix) and the group's model packages; ListModels and "
            "ListEndpointConfigs, used to clean up on stack deletion, support no resource scope.",
            r"^Resource::arn:.*:sagemaker:.*:(endpoint|endpoint-config|model)/"
            + config.prefix
            + r"-\*$",
            r"^Resource::arn:.*:sagemaker:.*:model-package/.*/\*$",
            r"^Resource::\*$",
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

        self.api_function = Function(
            self,
            "ApiFunction",
            config=config,
            name="api",
            description="Answers predictions, records feedback and names the serving model",
            environment={
                "ENDPOINT_NAME": self.endpoint_name,
                "CAPTURE_BUCKET": data.capture_bucket.bucket_name,
                "INFERENCE_TABLE": self.table.table_name,
                **data.model_spec.environment,
                "MAX_BATCH": str(config.serving.max_batch),
                "MODEL_PACKAGE_GROUP": group,
                "AUDIT_RETENTION_DAYS": str(config.serving.audit_retention_days),
            },
        )
        api_role = self.api_function.role
        data.model_spec.grant_read(api_role)
        api_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sagemaker:InvokeEndpoint"],
                resources=[endpoint_arn(self, self.endpoint_name)],
            )
        )
        allow_describe_serving(api_role, prefix=config.prefix, group=group)
        self.table.grant_read_write_data(api_role)
        data.capture_bucket.grant_put(api_role, "feedback/*")
        suppress_wildcards(
            api_role,
            "Describe calls on the project's own endpoint, configs, models and packages; "
            "feedback objects under feedback/; grants on the inference table and project key.",
            *GRANT_WILDCARDS,
            r"^Resource::arn:.*:sagemaker:.*:(endpoint|endpoint-config|model)/"
            + config.prefix
            + r"-\*$",
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
