"""The moto internals the local cloud patches: each test fails loudly if moto changes them."""

from __future__ import annotations

import importlib
import inspect
import json

import boto3
from moto import mock_aws

from shadowloop.localcloud import cloudwatch, functions, jobs
from shadowloop.localcloud.access import enforcer
from shadowloop.localcloud.provision import Deployment, FunctionSpec

HANDLERS = "tests.integration.localcloud.sample_handlers"


def _parameters(target: tuple[type, str]) -> list[str]:
    return list(inspect.signature(getattr(*target)).parameters)


def test_lambda_invoke_keeps_its_signature():
    assert _parameters(functions.PATCHED) == [
        "self",
        "function_name",
        "qualifier",
        "body",
        "headers",
        "response_headers",
    ]


def test_job_creation_still_takes_keyword_arguments():
    assert "training_job_name" in _parameters(jobs.PATCHED_TRAINING)
    assert "processing_job_name" in _parameters(jobs.PATCHED_PROCESSING)


def test_access_control_patch_points_keep_their_signatures():
    assert _parameters(enforcer.PATCHED) == ["self", "operation_name", "api_params"]
    assert _parameters(enforcer.MOTO_BUCKET_POLICY) == ["self", "action", "resource"]
    clients = importlib.import_module(enforcer.STATE_MACHINE_CLIENTS)
    assert list(inspect.signature(clients.boto_client_for).parameters) == [
        "region",
        "service",
        "state_credentials",
    ]


def test_statistics_still_compute_per_type():
    assert _parameters(cloudwatch.PATCHED) == ["self", "stat"]


@mock_aws(config={"lambda": {"use_docker": False}})
def test_invoke_runs_the_real_handler_and_reports_its_error(tmp_path):
    # Given two deployed functions backed by real handler modules, and the runtime installed
    client = boto3.client("lambda", region_name="us-east-1")
    role = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="r", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    deployment = Deployment(region="us-east-1")
    for name in ("echo", "broken"):
        arn = client.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role,
            Handler=f"{HANDLERS}.{name}",
            Code={"ZipFile": b"unused"},
        )["FunctionArn"]
        deployment.functions[name] = FunctionSpec(name, arn, f"{HANDLERS}.{name}", {}, 3)
    runtime = functions.FunctionRuntime(deployment, log_dir=tmp_path)
    runtime.install()
    try:
        # When each is invoked through the Lambda API
        echoed = client.invoke(FunctionName="echo", Payload=b'{"a": 1}')
        failed = client.invoke(FunctionName="broken", Payload=b'{"a": 1}')
    finally:
        runtime.uninstall()

    # Then the handler's own answer and error come back, as Lambda returns them
    assert json.loads(echoed["Payload"].read()) == {"event": {"a": 1}, "function": "echo"}
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read()) == {
        "errorType": "ValueError",
        "errorMessage": "cannot handle ['a']",
    }
    assert "ValueError" in (tmp_path / "broken.log").read_text()


@mock_aws
def test_a_failed_job_is_described_as_failed_with_its_reason(tmp_path):
    # Given moto's job objects, marked failed the way the job runner marks them
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    runner = jobs.JobRunner(
        workdir=tmp_path, s3=lambda: boto3.client("s3", region_name="us-east-1")
    )
    runner.install()
    try:
        sagemaker.create_training_job(
            TrainingJobName="t",
            AlgorithmSpecification={"TrainingImage": "image", "TrainingInputMode": "File"},
            RoleArn="arn:aws:iam::123456789012:role/r",
            OutputDataConfig={"S3OutputPath": "s3://nowhere/out"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
            StoppingCondition={"MaxRuntimeInSeconds": 60},
            HyperParameters={"sagemaker_program": json.dumps("train.py")},
        )
    finally:
        runner.uninstall()

    # Then describe shows the status and reason the runner set (no code to download)
    described = sagemaker.describe_training_job(TrainingJobName="t")
    assert described["TrainingJobStatus"] == "Failed"
    assert "sagemaker_submit_directory" in described["FailureReason"]
