"""A moto account with the serving chain the API reads: table, bucket, registry, endpoint."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from lambdas.api import handler as api
from lambdas.shared import clients
from tests import inference_table

ENDPOINT = "shadowloop-dev"
BUCKET = "shadowloop-dev-captures"
TABLE = "shadowloop-dev-inferences"
GROUP = "shadowloop-dev-delivery-eta"
SPEC = {
    "dataset": "delivery-eta",
    "target": "delivery_minutes",
    "task": "regression",
    "metric": "rmse",
    "direction": "minimize",
    "segment": "city_zone",
    "features": [
        {"name": "distance_km", "type": "numeric", "critical": True},
        {"name": "hour", "type": "numeric"},
        {"name": "city_zone", "type": "categorical"},
    ],
}
LINEAGE = {
    "dataset": "delivery-eta",
    "dataset_uri": "s3://shadowloop-dev-data/datasets/delivery-eta/data.csv",
    "version_id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
    "snapshot_uri": "s3://shadowloop-dev-data/snapshots/delivery-eta/3HL4kq/data.csv",
    "code_version": "a1b2c3d",
    "trigger": "drift",
    "run_id": "run-20250131-0900",
    "metric": "rmse",
    "metric_value": "8.25",
    "champion_metric_value": "8.9",
    "evaluation_uri": "s3://shadowloop-dev-artifacts/runs/run-20250131-0900/evaluation/",
    "baseline_uri": "s3://shadowloop-dev-artifacts/runs/run-20250131-0900/baseline/",
}


class FakeRuntime:
    """sagemaker-runtime that answers like the endpoint, or raises a chosen error."""

    def __init__(self, predict=lambda instances: [30.5] * len(instances), error=None):
        self._predict = predict
        # More fields of the endpoint's answer, such as a classifier's probabilities.
        self._answer_fields = lambda instances: {}
        self.error = error
        self.requests: list[dict[str, Any]] = []

    def invoke_endpoint(self, **request: Any) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        self.requests.append(request)
        body = json.loads(request["Body"])
        answer = {
            "predictions": self._predict(body["instances"]),
            **self._answer_fields(body["instances"]),
        }
        return {
            "Body": io.BytesIO(json.dumps(answer).encode()),
            "InvokedProductionVariant": "champion",
            "ContentType": "application/json",
        }


def client_error(code: str, message: str = "failed") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "InvokeEndpoint")


@pytest.fixture
def api_env(monkeypatch):
    """The environment infra gives the API Lambda."""
    monkeypatch.setenv("ENDPOINT_NAME", ENDPOINT)
    monkeypatch.setenv("INFERENCE_TABLE", TABLE)
    monkeypatch.setenv("MODEL_PACKAGE_GROUP", GROUP)
    monkeypatch.setenv("MAX_BATCH", "5")
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "365")
    monkeypatch.setenv("MODEL_SPEC", json.dumps(SPEC))


@pytest.fixture
def aws(api_env):
    """Mocked AWS holding the capture bucket and inferences table; the model cache empty."""
    api.served.clear()
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        inference_table.create(boto3.client("dynamodb"), TABLE)
        yield
    api.served.clear()


@pytest.fixture
def runtime(monkeypatch) -> FakeRuntime:
    """The endpoint's runtime, the one client moto cannot play."""
    fake = FakeRuntime()
    monkeypatch.setattr(clients, "sagemaker_runtime", lambda: fake)
    return fake


def register_package(metadata: dict[str, str]) -> str:
    sagemaker = boto3.client("sagemaker")
    with contextlib.suppress(ClientError):  # the group outlives one package
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    return sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="Approved",
        CustomerMetadataProperties=metadata,
        InferenceSpecification={
            "Containers": [
                {
                    "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.9-0",
                    "ModelDataUrl": "s3://shadowloop-dev-artifacts/runs/r/model.tar.gz",
                }
            ],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]


def deploy(package_arn: str, config_name: str = "shadowloop-dev-config-1") -> None:
    """Serve ``package_arn`` as the champion (creating or repointing the endpoint)."""
    sagemaker = boto3.client("sagemaker")
    model_name = f"model-{config_name}"
    sagemaker.create_model(
        ModelName=model_name,
        PrimaryContainer={"ModelPackageName": package_arn},
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=config_name,
        ProductionVariants=[
            {
                "VariantName": "champion",
                "ModelName": model_name,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=config_name)


@pytest.fixture
def champion(aws) -> str:
    """A registered package served as the champion; its ARN."""
    arn = register_package(LINEAGE)
    deploy(arn)
    return arn
