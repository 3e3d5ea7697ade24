"""Where a serving container finds its inference code: SAGEMAKER_SUBMIT_DIRECTORY.

The scikit-learn container's toolkit (sagemaker-containers) downloads an ``s3://`` tarball
or copies a directory in the container; in a serving container the model, extracted to
/opt/ml/model, is the only place user files can be.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lambdas.register_model.package import SUBMIT_DIRECTORY
from shadowloop.localcloud.endpoints import LocalEndpoints
from shadowloop.ops import examples
from tests.integration.localcloud.test_endpoints import (
    BUCKET,
    IMAGE,
    NOW,
    ROLE,
    SPEC,
    TRAINING,
    Clock,
    _model_tarball,
    _start_training,
    _tarball,
)

ENDPOINT = "code-test"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    root = tmp_path_factory.mktemp("model")
    job = _start_training(root, examples.generate("baseline", 600, 3), ["--n_estimators", "10"])
    return _model_tarball(root, job)


@pytest.fixture
def aws(tmp_path: Path) -> Any:
    clock = Clock(NOW)
    with mock_aws(), LocalEndpoints(tmp_path, clock=clock):
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield boto3.client("sagemaker", region_name="us-east-1"), s3, clock


class NotStarted(Exception):
    """The endpoint's container did not start; carries SageMaker's FailureReason."""


def _serve(aws: Any, model: bytes, submit_directory: str) -> dict[str, Any]:
    sagemaker, s3, clock = aws
    s3.put_object(Bucket=BUCKET, Key="runs/r1/model.tar.gz", Body=model)
    sagemaker.create_model(
        ModelName="m1",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": IMAGE,
            "ModelDataUrl": f"s3://{BUCKET}/runs/r1/model.tar.gz",
            "Environment": {
                "SAGEMAKER_PROGRAM": "inference.py",
                "SAGEMAKER_SUBMIT_DIRECTORY": submit_directory,
            },
        },
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="c1",
        ProductionVariants=[
            {
                "VariantName": "champion",
                "ModelName": "m1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="c1")
    clock.pass_change()
    described = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    if described["EndpointStatus"] != "InService":
        raise NotStarted(described.get("FailureReason", ""))
    instance = {f.name: (1 if f.type == "numeric" else "center") for f in SPEC.features}
    response = boto3.client("sagemaker-runtime", region_name="us-east-1").invoke_endpoint(
        EndpointName=ENDPOINT,
        Body=json.dumps({"instances": [instance], "inference_ids": ["i-1"]}),
        ContentType="application/json",
    )
    return json.loads(response["Body"].read())


def test_the_trained_model_carries_its_inference_code(model):
    names = set(_tarball_names(model))

    assert {f"code/{p.name}" for p in TRAINING.glob("*.py")} <= names
    assert "model.joblib" in names


def test_a_package_serves_from_its_own_model_tar_gz_alone(aws, model):
    # Given no sourcedir anywhere: the code is only inside model.tar.gz
    answer = _serve(aws, model, SUBMIT_DIRECTORY)

    assert len(answer["predictions"]) == 1
    assert isinstance(answer["predictions"][0], float)


def test_a_deleted_sourcedir_asset_stops_the_model_from_starting(aws, model):
    # Given code that points at an S3 asset which was deleted (as `cdk gc` may)
    with pytest.raises(NotStarted) as failed:
        _serve(aws, model, f"s3://{BUCKET}/assets/sourcedir.tar.gz")

    assert "sourcedir.tar.gz" in str(failed.value)


def test_a_container_path_outside_the_model_finds_no_code(aws, model):
    with pytest.raises(NotStarted) as failed:
        _serve(aws, model, "/opt/ml/code")

    assert "SAGEMAKER_SUBMIT_DIRECTORY /opt/ml/code" in str(failed.value)


def test_a_sourcedir_tarball_inside_the_model_is_unpacked(aws, tmp_path):
    # The toolkit also accepts a tar.gz path in the container.
    job = _start_training(tmp_path, examples.generate("baseline", 300, 4), ["--n_estimators", "5"])
    model_dir = tmp_path / "model"
    job.communicate(timeout=300)
    (model_dir / "sourcedir.tar.gz").write_bytes(
        _tarball({p.name: p for p in TRAINING.glob("*.py")})
    )
    packed = _tarball({p.name: p for p in model_dir.iterdir() if p.name != "code"})

    answer = _serve(aws, packed, "/opt/ml/model/sourcedir.tar.gz")

    assert len(answer["predictions"]) == 1


def _tarball_names(body: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        return archive.getnames()
