"""The moto internals the local cloud patches: each test fails loudly if moto changes them."""

from __future__ import annotations

import importlib
import inspect
import json
import time

import boto3
from moto import mock_aws

from shadowloop.localcloud import (
    cloudwatch,
    execution_context,
    functions,
    jobs,
    s3_conditions,
    strict,
    waits,
)
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


def test_botocore_still_builds_requests_from_parameters_and_the_operation():
    assert _parameters(strict.PATCHED)[:3] == ["self", "api_params", "operation_model"]


def test_executions_still_build_their_environment_in_one_method():
    assert _parameters(execution_context.PATCHED) == ["self"]


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


def test_waits_and_retries_still_sleep_where_they_are_patched():
    assert _parameters(waits.PATCHED_WAIT) == ["self", "env", "wait_seconds"]
    assert waits.PATCHED_RETRY_CLOCK[0].time.sleep is not None


def test_a_wait_state_passes_simulated_time_and_no_real_time():
    # Given a state machine that waits an hour, and the simulated waits installed
    passed: list[float] = []
    definition = {
        "StartAt": "Hour",
        "States": {"Hour": {"Type": "Wait", "Seconds": 3600, "End": True}},
    }
    simulated = waits.SimulatedWaits(passed.append)
    simulated.install()
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            sfn = boto3.client("stepfunctions", region_name="us-east-1")
            arn = sfn.create_state_machine(
                name="waits",
                definition=json.dumps(definition),
                roleArn="arn:aws:iam::123456789012:role/sfn",
            )["stateMachineArn"]
            started = time.monotonic()
            execution = sfn.start_execution(stateMachineArn=arn, name="one")["executionArn"]
            while (status := sfn.describe_execution(executionArn=execution)["status"]) == "RUNNING":
                assert time.monotonic() - started < 30
                time.sleep(0.05)
    finally:
        simulated.uninstall()

    # Then the run succeeded after an hour of simulated time
    assert status == "SUCCEEDED"
    assert passed == [3600.0]


def test_put_object_still_reads_its_request_from_the_response_object():
    assert _parameters(s3_conditions.PATCHED) == ["self"]
