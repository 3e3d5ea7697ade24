"""Data stack: the key, buckets, topic, model registry group, SageMaker role and training code."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, ScopedAws, Stack
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from infra.config import Config
from infra.constructs.model_spec_file import ModelSpecFile
from infra.constructs.processing_code import ProcessingCode
from infra.constructs.sagemaker_role import SageMakerRole
from infra.constructs.sklearn_image import sklearn_image_uri
from infra.constructs.storage import Storage
from infra.constructs.training_code import TrainingCode


def unique_name(stack: Stack, base: str) -> str:
    """``base`` plus 8 hex digits of this stack's id: a new name for each stack created.

    For resources that need a name and may be retained, so a redeploy after
    ``cdk destroy`` never meets the name of the one it left behind.
    """
    stack_uuid = Fn.select(2, Fn.split("/", ScopedAws(stack).stack_id))
    return Fn.join("-", [base, Fn.select(0, Fn.split("-", stack_uuid))])


class DataStack(Stack):
    """Everything the other stacks share: storage, the registry group and the training code."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: Config, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        storage = Storage(self, "Storage", prefix=config.prefix, retain_data=config.retain_data)
        self.key = storage.key
        self.data_bucket = storage.data_bucket
        self.artifact_bucket = storage.artifact_bucket
        self.capture_bucket = storage.capture_bucket
        self.topic = storage.topic

        self.model_package_group_name = unique_name(self, f"{config.prefix}-models")
        self.model_package_group = sagemaker.CfnModelPackageGroup(
            self,
            "ModelPackageGroup",
            model_package_group_name=self.model_package_group_name,
            model_package_group_description=f"Models trained on the {config.model.dataset} dataset",
        )
        self.model_package_group.apply_removal_policy(storage.removal_policy)

        self.training_code = TrainingCode(self, "TrainingCode")
        self.processing_code = ProcessingCode(self, "ProcessingCode")
        self.model_spec = ModelSpecFile(self, "ModelSpec", spec=config.model)
        self.sagemaker_role = SageMakerRole(
            self,
            "SageMakerRole",
            prefix=config.prefix,
            key=self.key,
            data_bucket=self.data_bucket,
            artifact_bucket=self.artifact_bucket,
            capture_bucket=self.capture_bucket,
            code_bucket_name=self.training_code.bucket_name,
            code_object_keys=[
                self.training_code.object_key,
                self.processing_code.object_key,
                self.model_spec.asset.s3_object_key,
            ],
        ).role

        outputs = {
            "DataBucketName": self.data_bucket.bucket_name,
            "ArtifactBucketName": self.artifact_bucket.bucket_name,
            "CaptureBucketName": self.capture_bucket.bucket_name,
            "TopicArn": self.topic.topic_arn,
            "ModelPackageGroupName": self.model_package_group_name,
            "KmsKeyArn": self.key.key_arn,
            "SageMakerRoleArn": self.sagemaker_role.role_arn,
            "CodeUri": self.training_code.uri,
            "CodeVersion": self.training_code.version,
            "ModelSpecUri": self.model_spec.uri,
            "SklearnImageUri": sklearn_image_uri(self),
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
