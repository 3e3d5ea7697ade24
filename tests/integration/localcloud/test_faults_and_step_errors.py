"""Injected service errors, and the error names a state machine sees, as AWS gives them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from shadowloop.localcloud import faults as faults_module
from shadowloop.localcloud import step_errors
from shadowloop.localcloud.faults import Faults
from shadowloop.localcloud.step_errors import StepErrors

REGION = "us-east-1"
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture
def faults() -> Iterator[Faults]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        injected, names = Faults(), StepErrors()
        injected.install()
        names.install()
        try:
            yield injected
        finally:
            names.uninstall()
            injected.uninstall()


def _run(definition: dict) -> dict:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="machine", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    arn = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=role)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn, name="run", input="{}")["executionArn"]
    for _ in range(200):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError("the execution did not finish")


def test_patched_members_still_exist():
    assert faults_module.PATCHED[0].__call__ is not None
    for target in (
        step_errors.PATCHED_FAIL_NAME,
        step_errors.PATCHED_SDK_SERVICE,
        step_errors.PATCHED_SDK_ERROR,
    ):
        assert target[1] in vars(target[0]), target


def test_an_injected_error_is_the_service_own_answer_and_counts_down(faults):
    sns = boto3.client("sns", region_name=REGION, config=NO_RETRIES)
    topic = sns.create_topic(Name="t")["TopicArn"]
    fault = faults.fail("sns", "Publish", "Throttled", times=1)

    with pytest.raises(ClientError) as refused:
        sns.publish(TopicArn=topic, Message="one")

    # The status is the model's for that code, and the next call goes through
    assert refused.value.response["Error"]["Code"] == "Throttled"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert sns.publish(TopicArn=topic, Message="two")["MessageId"]
    assert fault.injected == 1


def test_an_sdk_retry_mode_retries_a_transient_error_as_it_would_on_aws(faults):
    s3 = boto3.client("s3", region_name=REGION, config=Config(retries={"mode": "standard"}))
    s3.create_bucket(Bucket="kept-objects")
    s3.put_object(Bucket="kept-objects", Key="k", Body=b"kept")
    fault = faults.fail("s3", "GetObject", "InternalError", times=2, status=500, where="/k")

    assert s3.get_object(Bucket="kept-objects", Key="k")["Body"].read() == b"kept"
    assert fault.injected == 2


def test_a_misspelled_operation_is_refused_at_once(faults):
    with pytest.raises(Exception, match="Publsh"):
        faults.fail("sns", "Publsh", "Throttled")


def test_task_errors_are_named_as_step_functions_names_them(faults):
    # Given an SNS task and an aws-sdk SageMaker task whose calls are throttled once
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="t")["TopicArn"]
    faults.fail("sns", "Publish", "Throttled")
    faults.fail("sagemaker", "DescribeEndpoint", "ThrottlingException")
    caught = {"ErrorEquals": ["States.ALL"], "Next": "Next"}
    definition = {
        "StartAt": "Publish",
        "States": {
            "Publish": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": topic, "Message": "hi"},
                "Catch": [{**caught, "ResultPath": "$.sns", "Next": "Describe"}],
                "Next": "Describe",
            },
            "Describe": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeEndpoint",
                "Parameters": {"EndpointName": "e"},
                "Catch": [{**caught, "ResultPath": "$.sagemaker", "Next": "Done"}],
                "Next": "Done",
            },
            "Done": {"Type": "Pass", "End": True},
        },
    }

    output = json.loads(_run(definition)["output"])

    assert output["sns"]["Error"] == "SNS.ThrottledException"
    assert output["sagemaker"]["Error"] == "SageMaker.ThrottlingException"


def test_a_fail_state_reports_a_caught_states_error_and_its_cause(faults):
    definition = {
        "StartAt": "Caught",
        "States": {
            "Caught": {
                "Type": "Pass",
                "Result": {"Error": "States.TaskFailed", "Cause": "the handler said why"},
                "ResultPath": "$.error",
                "Next": "Failed",
            },
            "Failed": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"},
        },
    }

    described = _run(definition)

    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "States.TaskFailed",
        "the handler said why",
    )
