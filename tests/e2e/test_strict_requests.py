"""Strict requests on the local cloud: what AWS refuses fails the run, caught and notified."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from infra.constructs.sagemaker_jobs import MAX_RUN_ID
from tests.e2e.conftest import DATASET, generate, push
from tests.e2e.test_pipeline import _notifications

pytestmark = pytest.mark.e2e


def test_a_job_name_over_the_limit_fails_the_run_and_is_notified(cloud, target):
    # Given a dataset version and a run id too long for the job names built from it
    version = push(target, generate("baseline", rows=300, seed=0))
    run_id = "manual-" + "x" * 53  # 60 characters: "{run_id}-train-0" has 68

    # When the pipeline runs (Step Functions accepts execution names up to 80 characters)
    run = cloud.run_pipeline(dataset=DATASET, version_id=version, name=run_id)

    # Then SageMaker's constraint refuses StartTraining, and the run fails naming it
    assert run.status == "FAILED"
    assert run.cause.startswith("2 validation errors detected")  # its length and its pattern
    assert "at 'trainingJobName' failed to satisfy constraint: " in run.cause
    assert "Member must have length less than or equal to 63" in run.cause
    # And the failure was published, with the same reason
    (notification,) = [n for n in _notifications(cloud) if n["run_id"] == run_id]
    assert notification["status"] == "failed"
    assert "trainingJobName" in notification["reason"]
    # And no job was created
    assert cloud.client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []


def test_the_longest_run_id_fits_and_its_job_names_are_unique_per_attempt(cloud, target):
    # Given a run whose id has the most characters the job names allow
    version = push(target, generate("baseline", rows=600, seed=0))
    run_id = "manual-" + "x" * (MAX_RUN_ID - len("manual-"))

    # When it runs
    run = cloud.run_pipeline(dataset=DATASET, version_id=version, name=run_id)

    # Then it succeeds, and its jobs are named for its first attempt
    assert run.status == "SUCCEEDED", run.cause
    sagemaker = cloud.client("sagemaker")
    training = sagemaker.describe_training_job(TrainingJobName=f"{run_id}-train-0")
    assert training["TrainingJobStatus"] == "Completed"
    evaluation = f"{run_id}-evaluate-0"
    assert sagemaker.describe_processing_job(ProcessingJobName=evaluation)["ProcessingJobName"]

    # And SageMaker refuses a second job with a taken name (moto alone would replace it)
    request = {
        "TrainingJobName": f"{run_id}-train-0",
        "RoleArn": cloud.output("SageMakerRoleArn"),
        "AlgorithmSpecification": {"TrainingImage": "image", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }
    with pytest.raises(ClientError) as caught:
        sagemaker.create_training_job(**request)
    assert caught.value.response["Error"]["Code"] == "ResourceInUse"
    again = sagemaker.describe_training_job(TrainingJobName=f"{run_id}-train-0")
    assert again["TrainingJobStatus"] == "Completed"
