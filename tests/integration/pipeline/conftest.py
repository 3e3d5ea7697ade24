"""A moto account with the pipeline's buckets and registry group, and the steps' environment."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws

from tests import inference_table
from tests.unit.pipeline.data import SPEC_JSON

DATA_BUCKET = "shadowloop-dev-data"
ARTIFACT_BUCKET = "shadowloop-dev-artifacts"
CAPTURE_BUCKET = "shadowloop-dev-captures"
TABLE = "shadowloop-dev-inferences"
GROUP = "shadowloop-dev-delivery-eta"
ENDPOINT = "shadowloop-dev"
DATASET = "delivery-eta"
DATA_KEY = f"datasets/{DATASET}/data.csv"


@dataclass
class LambdaContext:
    function_name: str = "pipeline-step"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:pipeline-step"
    aws_request_id: str = "request-1"


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def aws(monkeypatch, function_environment):
    """Buckets (the data bucket versioned), the registry group and every step's settings."""
    monkeypatch.setenv("MODEL_SPEC", SPEC_JSON)
    function_environment("validate_data", MODEL_SPEC_URI=None, DATA_BUCKET=DATA_BUCKET)
    # The other steps' variables, as their tests expect them.
    for name, value in {
        "ARTIFACT_BUCKET": ARTIFACT_BUCKET,
        "CAPTURE_BUCKET": CAPTURE_BUCKET,
        "INFERENCE_TABLE": TABLE,
        "MODEL_PACKAGE_GROUP": GROUP,
        "ENDPOINT_NAME": ENDPOINT,
        "GATE_THRESHOLD": "12.0",
        "GATE_MAX_REGRESSION": "0.02",
        "APPROVAL_STATUS": "Approved",
        "INFERENCE_IMAGE_URI": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.9-0",
        "CODE_VERSION": "a1b2c3d",
        "RETRAIN_LOOKBACK_HOURS": "24",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3")
        for bucket in (DATA_BUCKET, ARTIFACT_BUCKET, CAPTURE_BUCKET):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=DATA_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        boto3.client("sagemaker").create_model_package_group(ModelPackageGroupName=GROUP)
        inference_table.create(boto3.client("dynamodb"), TABLE)
        yield


@pytest.fixture
def s3(aws):
    return boto3.client("s3")


@pytest.fixture
def sagemaker(aws):
    return boto3.client("sagemaker")


def push_dataset(s3, body: bytes) -> str:
    """Put a dataset version as ``shadowloop data push`` does; returns its VersionId."""
    return s3.put_object(Bucket=DATA_BUCKET, Key=DATA_KEY, Body=body)["VersionId"]


def read(s3, bucket: str, key: str, version_id: str | None = None) -> bytes:
    extra = {"VersionId": version_id} if version_id else {}
    return s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
