"""The strict-request validator against real botocore shapes: each constraint AWS applies."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from shadowloop.localcloud.strict import StrictRequests, check_request

SAGEMAKER = (
    boto3.session.Session().get_available_services()
    and boto3.client("sagemaker", region_name="us-east-1").meta.service_model
)
ROLE = "arn:aws:iam::123456789012:role/sagemaker"


def processing_job(**overrides: Any) -> dict[str, Any]:
    request = {
        "ProcessingJobName": "run-1-evaluate-0",
        "RoleArn": ROLE,
        "AppSpecification": {"ImageUri": "image:1", "ContainerArguments": ["--data", "/d"]},
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 30,
            }
        },
    }
    return {**request, **overrides}


def refusal(operation: str, params: dict[str, Any]) -> str:
    with pytest.raises(ClientError) as caught:
        check_request(SAGEMAKER.operation_model(operation), params)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    return error["Message"]


def test_a_valid_request_passes() -> None:
    check_request(SAGEMAKER.operation_model("CreateProcessingJob"), processing_job())


def test_string_length_names_the_list_item_and_the_limit() -> None:
    app = {"ImageUri": "image:1", "ContainerArguments": ["--model-spec", "x" * 257]}
    message = refusal("CreateProcessingJob", processing_job(AppSpecification=app))
    assert message.startswith("1 validation error detected: Value 'xxx")
    assert "at 'appSpecification.containerArguments.2.member' failed to satisfy constraint: " in (
        message
    )
    assert message.endswith("Member must have length less than or equal to 256")


def test_the_pattern_applies_to_the_whole_value() -> None:
    # A valid job name followed by an invalid character: a prefix match is not enough.
    message = refusal("CreateProcessingJob", processing_job(ProcessingJobName="run_1"))
    assert "at 'processingJobName'" in message
    assert "Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}" in (
        message
    )


def test_a_job_name_over_63_characters_breaks_length_and_pattern() -> None:
    message = refusal("CreateProcessingJob", processing_job(ProcessingJobName="a" * 64))
    assert message.startswith("2 validation errors detected")
    assert "Member must have length less than or equal to 63" in message


def test_unicode_property_classes_in_patterns() -> None:
    # CustomerMetadataValue: ([\p{L}\p{Z}\p{N}_.:\/=+\-@]*)${1,256}
    operation = SAGEMAKER.operation_model("CreateModelPackage")
    base = {"ModelPackageGroupName": "models"}
    check_request(operation, {**base, "CustomerMetadataProperties": {"données": "été 2026"}})
    message = refusal(
        "CreateModelPackage", {**base, "CustomerMetadataProperties": {"spec": '{"a": 1}'}}
    )
    assert "at 'customerMetadataProperties.spec'" in message
    assert "regular expression pattern: ([\\p{L}\\p{Z}\\p{N}" in message


def test_enum() -> None:
    request = {
        "TrainingJobName": "t",
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": "i", "TrainingInputMode": "Stream"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }
    message = refusal("CreateTrainingJob", request)
    assert "at 'algorithmSpecification.trainingInputMode'" in message
    assert "Member must satisfy enum value set: [Pipe, File, FastFile]" in message


def test_numeric_range_in_a_nested_structure() -> None:
    cluster = {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 0}
    message = refusal(
        "CreateProcessingJob", processing_job(ProcessingResources={"ClusterConfig": cluster})
    )
    assert "at 'processingResources.clusterConfig.volumeSizeInGB'" in message
    assert "Member must have value greater than or equal to 1" in message


def test_list_size() -> None:
    app = {"ImageUri": "image:1", "ContainerArguments": ["a"] * 101}
    message = refusal("CreateProcessingJob", processing_job(AppSpecification=app))
    assert "at 'appSpecification.containerArguments' failed to satisfy constraint: " in message
    assert "Member must have length less than or equal to 100" in message


def test_map_size_and_map_values() -> None:
    operation = "CreateModelPackage"
    many = {f"k{i}": "v" for i in range(51)}
    message = refusal(operation, {"ModelPackageGroupName": "m", "CustomerMetadataProperties": many})
    assert "at 'customerMetadataProperties'" in message
    assert "Member must have length less than or equal to 50" in message


def test_nested_lists_of_structures() -> None:
    inputs = [
        {"InputName": "code", "S3Input": {"S3Uri": "s3://b/c", "S3DataType": "S3Prefix"}},
        {"S3Input": {"S3Uri": "s3://b/d", "S3DataType": "Folder"}},
    ]
    message = refusal("CreateProcessingJob", processing_job(ProcessingInputs=inputs))
    assert "Value null at 'processingInputs.2.member.inputName'" in message
    assert "at 'processingInputs.2.member.s3Input.s3DataType'" in message
    assert message.startswith("2 validation errors detected")


def test_required_members_and_types() -> None:
    request = processing_job()
    del request["RoleArn"]
    message = refusal(
        "CreateProcessingJob",
        {
            **request,
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceCount": "1",
                    "InstanceType": "ml.m5.large",
                    "VolumeSizeInGB": 30,
                }
            },
        },
    )
    assert (
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null" in message
    )
    assert "at 'processingResources.clusterConfig.instanceCount'" in message
    assert "Member must be of type integer" in message


def test_installed_it_refuses_calls_of_clients_that_skip_validation() -> None:
    # Step Functions' interpreter in moto builds its clients like this.
    from botocore.config import Config

    client = boto3.client(
        "sagemaker", region_name="us-east-1", config=Config(parameter_validation=False)
    )
    strict = StrictRequests()
    strict.install()
    try:
        with pytest.raises(ClientError, match="processingJobName"):
            client.create_processing_job(**processing_job(ProcessingJobName="-bad"))
    finally:
        strict.uninstall()


def test_lambda_environment_over_4_kb_is_refused() -> None:
    # A limit AWS enforces that the service model does not carry.
    operation = boto3.client("lambda", region_name="us-east-1").meta.service_model
    request = {
        "FunctionName": "f",
        "Role": ROLE,
        "Code": {"ZipFile": b"x"},
        "Environment": {"Variables": {"MODEL_SPEC": "x" * 4100}},
    }
    with pytest.raises(ClientError) as caught:
        check_request(operation.operation_model("CreateFunction"), request)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert "exceeded the 4KB limit" in error["Message"]
    request["Environment"]["Variables"]["MODEL_SPEC"] = "x" * 4000
    check_request(operation.operation_model("CreateFunction"), request)
