"""The lineage GET /inferences/{id} adds to a record: identity, approval, lineage."""

from __future__ import annotations

from botocore.exceptions import ClientError

from lambdas.api import audit

ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/delivery-eta/3"


class Registry:
    """describe_model_package for one package, or SageMaker's not-found error for others."""

    def __init__(self, metadata: dict[str, str]):
        self.metadata = metadata

    def describe_model_package(self, ModelPackageName):
        if ModelPackageName != ARN:
            raise ClientError(
                {
                    "Error": {
                        "Code": "ValidationException",
                        "Message": f"Model package {ModelPackageName} not found",
                    }
                },
                "DescribeModelPackage",
            )
        return {
            "ModelPackageArn": ARN,
            "ModelPackageGroupName": "delivery-eta",
            "ModelPackageVersion": 3,
            "ModelApprovalStatus": "Approved",
            "ApprovalDescription": "risk review 42 passed (approved by alice)",
            "CustomerMetadataProperties": self.metadata,
            "InferenceSpecification": {
                "Containers": [{"Image": "img", "ModelDataUrl": "s3://a/runs/r/model.tar.gz"}]
            },
        }


def test_the_model_carries_its_approver_and_lineage():
    registry = Registry(
        {
            "dataset": "delivery-eta",
            "version_id": "v7",
            "code_version": "a1b2c3d",
            "run_id": "run-1",
            "trigger": "none",
            "approved_by": "arn:aws:sts::123456789012:assumed-role/risk/alice",
            "approved_at": "2026-03-01T09:30:15+00:00",
            "approval_reason": "risk review 42 passed",
        }
    )

    model = audit.model(registry, ARN)

    assert model == {
        "model_package_arn": ARN,
        "version": 3,
        "approval_status": "Approved",
        "approval_description": "risk review 42 passed (approved by alice)",
        "approved_by": "arn:aws:sts::123456789012:assumed-role/risk/alice",
        "approved_at": "2026-03-01T09:30:15+00:00",
        "approval_reason": "risk review 42 passed",
        "model_data_url": "s3://a/runs/r/model.tar.gz",
        "lineage": {
            "dataset": "delivery-eta",
            "dataset_uri": None,
            "version_id": "v7",
            "snapshot_uri": None,
            "code_version": "a1b2c3d",
            "trigger": None,
            "run_id": "run-1",
            "evaluation_uri": None,
            "baseline_uri": None,
            "calibration_uri": None,
            "bias_report_uri": None,
        },
    }


def test_a_package_approved_by_the_pipeline_has_no_approver():
    model = audit.model(Registry({"dataset": "delivery-eta"}), ARN)

    assert model is not None
    assert (model["approved_by"], model["approved_at"], model["approval_reason"]) == (None,) * 3


def test_no_package_or_a_deleted_one_is_no_model():
    assert audit.model(Registry({}), None) is None
    assert audit.model(Registry({}), ARN.replace("/3", "/4")) is None
