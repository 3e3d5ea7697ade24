"""The deploy function: the endpoint's one owner (pipeline, promotion check, custom resource)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import Config
from infra.constructs.endpoint import EndpointAlarms
from infra.constructs.function import Function
from infra.constructs.sagemaker_access import allow_endpoint_management
from lambdas.shared.contracts import environment as env

if TYPE_CHECKING:
    from infra.stacks.data import DataStack


class Deploy(Function):
    def __init__(
        self,
        scope: Construct,
        *,
        config: Config,
        data: DataStack,
        endpoint_name: str,
        alarms: EndpointAlarms,
    ) -> None:
        compute, serving = config.compute, config.serving
        super().__init__(
            scope,
            "Deploy",
            config=config,
            name="deploy",
            description="Deploys model packages: champion, shadow challenger, promotion, rollback",
            timeout=Duration.minutes(5),
            environment={
                env.PROJECT: config.prefix,
                env.ENDPOINT_NAME: endpoint_name,
                env.MODEL_PACKAGE_GROUP: data.model_package_group_name,
                env.SAGEMAKER_ROLE_ARN: data.sagemaker_role.role_arn,
                env.CAPTURE_BUCKET: data.capture_bucket.bucket_name,
                env.KMS_KEY_ARN: data.key.key_arn,
                env.ENDPOINT_INSTANCE_TYPE: compute.endpoint_instance_type,
                env.ENDPOINT_INSTANCE_COUNT: str(compute.endpoint_instance_count),
                env.ENDPOINT_INSTANCE_STORAGE: str(compute.endpoint_instance_storage).lower(),
                env.SERVERLESS: str(compute.serverless).lower(),
                env.SHADOW_SAMPLING_PERCENT: str(serving.shadow_sampling_percent),
                env.CAPTURE_SAMPLING_PERCENT: str(serving.capture_sampling_percent),
                env.ROLLBACK_ALARMS: json.dumps(alarms.alarm_names),
            },
        )
        allow_endpoint_management(
            self.role,
            prefix=config.prefix,
            group=data.model_package_group_name,
            sagemaker_role=data.sagemaker_role,
        )
        # Guarded deployments: SageMaker watches the rollback alarms as the models' execution role.
        data.sagemaker_role.add_to_principal_policy(
            iam.PolicyStatement(actions=["cloudwatch:DescribeAlarms"], resources=alarms.alarm_arns)
        )
        # Endpoint configs encrypt capture and volumes with the project key through grants.
        data.key.grant(self.role, "kms:CreateGrant", "kms:DescribeKey")
