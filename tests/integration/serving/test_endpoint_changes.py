"""The deploy function against the local cloud's asynchronous endpoints.

Here moto's endpoints are the local cloud's: a create or update takes simulated time,
and SageMaker's refusals while one is in flight are enforced.
"""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from lambdas.deploy.actions import EndpointBusy
from lambdas.deploy.custom_resource import on_event
from lambdas.deploy.events import handle_event
from shadowloop.localcloud.endpoints import LocalEndpoints
from tests.integration.localcloud.test_endpoints import Clock
from tests.integration.serving.test_deploy_endpoint import GROUP, OPTIONS, context, register

DELETE = {"RequestType": "Delete", "PhysicalResourceId": OPTIONS.endpoint_name}


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2030, 1, 2, 3, 0, tzinfo=UTC))


@pytest.fixture
def sagemaker(tmp_path, clock):
    with mock_aws(), LocalEndpoints(tmp_path, clock=clock):
        client = boto3.client("sagemaker", region_name="us-east-1")
        client.create_model_package_group(ModelPackageGroupName=GROUP)
        yield client


def _tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, body in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def register_startable(sagemaker) -> str:
    """A package whose container starts: a real (tiny) artifact and inference script."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="model.tar.gz", Body=_tar_gz({"weight.txt": b"2"}))
    script = b"def model_fn(model_dir):\n    return open(model_dir + '/weight.txt').read()\n"
    s3.put_object(Bucket="artifacts", Key="code.tar.gz", Body=_tar_gz({"inference.py": script}))
    return sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        InferenceSpecification={
            "Containers": [
                {
                    "Image": "sklearn:1.9",
                    "ModelDataUrl": "s3://artifacts/model.tar.gz",
                    "Environment": {
                        "SAGEMAKER_PROGRAM": "inference.py",
                        "SAGEMAKER_SUBMIT_DIRECTORY": "s3://artifacts/code.tar.gz",
                    },
                }
            ],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]


def _status(sagemaker) -> str:
    return sagemaker.describe_endpoint(EndpointName=OPTIONS.endpoint_name)["EndpointStatus"]


def test_a_change_while_the_endpoint_is_creating_is_busy(sagemaker, clock):
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    created = handle_event(ctx, {"action": "deploy", "model_package_arn": first})
    assert created["status"] == "Creating" and _status(sagemaker) == "Creating"

    with pytest.raises(EndpointBusy, match="Creating"):
        handle_event(ctx, {"action": "deploy", "model_package_arn": second})


def test_teardown_refuses_to_call_a_busy_endpoint_gone_then_deletes_it(sagemaker, clock):
    # Given an endpoint that is still being created
    ctx = context(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": register(sagemaker)})

    # When the stack deletes it, SageMaker refuses: the delete fails and nothing is removed
    with pytest.raises(EndpointBusy, match="delete again"):
        on_event(ctx, DELETE)
    assert _status(sagemaker) == "Creating"
    assert len(sagemaker.list_endpoint_configs()["EndpointConfigs"]) == 1

    # When the change has finished and the delete is retried
    clock.pass_change()
    assert on_event(ctx, DELETE) == {"PhysicalResourceId": OPTIONS.endpoint_name}

    # Then the endpoint, its configs and models are gone
    assert sagemaker.list_endpoints()["Endpoints"] == []
    assert sagemaker.list_endpoint_configs()["EndpointConfigs"] == []
    assert sagemaker.list_models()["Models"] == []
    # And a delete of what is already gone succeeds
    assert on_event(ctx, DELETE) == {"PhysicalResourceId": OPTIONS.endpoint_name}


def test_delete_endpoint_is_refused_while_updating(sagemaker, clock):
    # Given an endpoint in service, then updated to a new config
    ctx = context(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": register_startable(sagemaker)})
    clock.pass_change()
    assert _status(sagemaker) == "InService"
    config = sagemaker.describe_endpoint(EndpointName=OPTIONS.endpoint_name)["EndpointConfigName"]
    sagemaker.update_endpoint(EndpointName=OPTIONS.endpoint_name, EndpointConfigName=config)

    # Then deleting it is refused with SageMaker's code and message
    with pytest.raises(ClientError) as raised:
        sagemaker.delete_endpoint(EndpointName=OPTIONS.endpoint_name)
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("Cannot update in-progress endpoint")
    assert _status(sagemaker) == "Updating"
