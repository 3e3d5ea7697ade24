"""UpdateModelPackage on the local cloud changes only what it names, as SageMaker does."""

from __future__ import annotations

import inspect

import boto3
import pytest
from moto import mock_aws
from moto.sagemaker.models import SageMakerModelBackend

from shadowloop.localcloud.endpoints import LocalEndpoints

LINEAGE = {"dataset": "delivery-eta", "version_id": "v1", "code_version": "a1b2c3d"}


@pytest.fixture
def package(tmp_path) -> str:
    with mock_aws(), LocalEndpoints(tmp_path):
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        sagemaker.create_model_package_group(ModelPackageGroupName="g")
        yield sagemaker.create_model_package(
            ModelPackageGroupName="g",
            ModelApprovalStatus="PendingManualApproval",
            CustomerMetadataProperties=LINEAGE,
            InferenceSpecification={
                "Containers": [{"Image": "img", "ModelDataUrl": "s3://b/model.tar.gz"}],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
        )["ModelPackageArn"]


def _describe(arn: str) -> dict:
    return boto3.client("sagemaker", region_name="us-east-1").describe_model_package(
        ModelPackageName=arn
    )


def test_a_status_change_keeps_the_lineage(package):
    boto3.client("sagemaker", region_name="us-east-1").update_model_package(
        ModelPackageArn=package, ModelApprovalStatus="Approved", ApprovalDescription="promoted"
    )

    described = _describe(package)
    assert described["ModelApprovalStatus"] == "Approved"
    assert described["ApprovalDescription"] == "promoted"
    assert described["CustomerMetadataProperties"] == LINEAGE


def test_new_metadata_entries_join_the_old_and_omitted_fields_stay(package):
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    sagemaker.update_model_package(
        ModelPackageArn=package, ModelApprovalStatus="Approved", ApprovalDescription="ok"
    )

    sagemaker.update_model_package(
        ModelPackageArn=package, CustomerMetadataProperties={"approved_by": "alice"}
    )

    described = _describe(package)
    assert described["CustomerMetadataProperties"] == {**LINEAGE, "approved_by": "alice"}
    assert described["ModelApprovalStatus"] == "Approved"
    assert described["ApprovalDescription"] == "ok"


def test_moto_update_model_package_still_takes_these_keywords():
    assert list(inspect.signature(SageMakerModelBackend.update_model_package).parameters) == [
        "self",
        "model_package_arn",
        "model_approval_status",
        "approval_description",
        "customer_metadata_properties",
        "customer_metadata_properties_to_remove",
        "additional_inference_specifications_to_add",
    ]
