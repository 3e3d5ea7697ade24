"""The SageMaker job requests the pipeline sends: pure builders over config and settings.

The model spec reaches both jobs as a file input (``spec``), never inside a request
field, so its size is not bounded by SageMaker's per-argument and per-hyperparameter limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn

from infra.config import Config
from lambdas.shared.contracts import layout, steps
from lambdas.shared.contracts import validation_job as vj

RUN_ID = sfn.JsonPath.execution_name
# A redriven run starts its jobs again, and SageMaker refuses a reused job name.
REDRIVE_COUNT = sfn.JsonPath.string_at("$$.Execution.RedriveCount")
TRAINING_SUFFIX, EVALUATION_SUFFIX, VALIDATION_SUFFIX = "train", "evaluate", "validate"
# SageMaker job names have at most 63 characters; a run is redriven at most 1,000 times.
MAX_JOB_NAME = 63
MAX_RUN_ID = (
    MAX_JOB_NAME - max(len(f"--{s}") for s in (EVALUATION_SUFFIX, VALIDATION_SUFFIX)) - len("1000")
)
CODE_DIR = "/opt/ml/processing/input/code"
EVALUATE_COMMAND = (
    # The code input is the sourcedir asset; its object (and so file) name ends in .gz.
    f'cd {CODE_DIR} && tar -xzf ./*.gz && exec python3 evaluate.py "$@"'
)
EVALUATION_DIR = "/opt/ml/processing/output/evaluation"
VALIDATE_COMMAND = (
    # The code input is the functions' zipped asset: the job runs what the Lambdas run.
    f'cd {vj.CODE_DIR} && python3 -m zipfile -e ./*.zip . && exec python3 -m {vj.ENTRY_MODULE} "$@"'
)
SPEC_CHANNEL = "spec"
VOLUME_SIZE_GB = 30


@dataclass(frozen=True)
class JobSettings:
    """Where SageMaker jobs run and what they read and write."""

    image_uri: str
    code_uri: str
    model_spec_uri: str
    processing_code_uri: str
    data_bucket_name: str
    role: iam.IRole
    artifact_bucket_name: str
    kms_key_arn: str


def artifact_uri(jobs: JobSettings, folder: str) -> str:
    """``s3://<artifacts>/runs/<run id>/<folder>`` for the running execution."""
    return sfn.JsonPath.format(f"s3://{jobs.artifact_bucket_name}/runs/{{}}/{folder}", RUN_ID)


def job_name(suffix: str) -> str:
    """``{run id}-{suffix}-{redrive count}``: unique per attempt of a run."""
    return sfn.JsonPath.format(f"{{}}-{suffix}-{{}}", RUN_ID, REDRIVE_COUNT)


def training_job(config: Config, jobs: JobSettings) -> dict[str, Any]:
    """CreateTrainingJob: ``training/train.py`` in script mode on the run's snapshot."""
    compute = config.compute
    model = config.model
    hyperparameters = {
        "sagemaker_program": "train.py",
        "sagemaker_submit_directory": jobs.code_uri,
        "sagemaker_region": Aws.REGION,
        **{name: str(value) for name, value in model.hyperparameters.items()},
    }
    return {
        "TrainingJobName": job_name(TRAINING_SUFFIX),
        "AlgorithmSpecification": {
            "TrainingImage": jobs.image_uri,
            "TrainingInputMode": "File",
        },
        "RoleArn": jobs.role.role_arn,
        "HyperParameters": hyperparameters,
        "InputDataConfig": [
            _channel("train", sfn.JsonPath.string_at(steps.VALIDATE_DATA.path("snapshot_uri"))),
            _channel(SPEC_CHANNEL, jobs.model_spec_uri, "application/json"),
        ],
        "OutputDataConfig": {
            "S3OutputPath": artifact_uri(jobs, "training"),
            "KmsKeyId": jobs.kms_key_arn,
        },
        "ResourceConfig": {
            "InstanceType": compute.training_instance_type,
            "InstanceCount": compute.training_instance_count,
            "VolumeSizeInGB": VOLUME_SIZE_GB,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": compute.max_runtime_seconds},
        "Environment": {
            "SHADOWLOOP_DATASET_URI": sfn.JsonPath.string_at(
                steps.VALIDATE_DATA.path("snapshot_uri")
            ),
            "SHADOWLOOP_VERSION_ID": sfn.JsonPath.string_at(steps.VALIDATE_DATA.path("version_id")),
        },
        # The code comes from S3 through the toolkit, so no network is needed; isolation
        # stays off because the toolkit downloads sourcedir.tar.gz from the container.
        "EnableNetworkIsolation": False,
    }


def _channel(name: str, uri: str, content_type: str = "text/csv") -> dict[str, Any]:
    """A training input channel: the whole S3 prefix, copied to every instance."""
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": uri,
                "S3DataDistributionType": "FullyReplicated",
            }
        },
        "ContentType": content_type,
    }


def _evaluation_inputs(jobs: JobSettings) -> list[tuple[str, str, str]]:
    """The evaluation job's inputs: ``(name, S3 URI, local path)``, code first."""
    return [
        ("code", jobs.code_uri, CODE_DIR),
        (SPEC_CHANNEL, jobs.model_spec_uri, "/opt/ml/processing/input/spec"),
        (
            "candidate",
            sfn.JsonPath.string_at("$.training.ModelArtifacts.S3ModelArtifacts"),
            "/opt/ml/processing/input/candidate",
        ),
        (
            "champion",
            sfn.JsonPath.string_at(steps.RESOLVE_CHAMPION.path("uri")),
            "/opt/ml/processing/input/champion",
        ),
        (
            # The champion's training snapshot, scored for its own holdout (see ResolveChampion).
            "champion_data",
            sfn.JsonPath.string_at(steps.RESOLVE_CHAMPION.path("holdout_uri")),
            "/opt/ml/processing/input/champion_data",
        ),
        (
            "data",
            sfn.JsonPath.string_at(steps.VALIDATE_DATA.path("snapshot_uri")),
            "/opt/ml/processing/input/data",
        ),
    ]


def evaluation_job(config: Config, jobs: JobSettings) -> dict[str, Any]:
    """CreateProcessingJob: ``evaluate.py`` scores candidate and champion on one holdout."""
    compute = config.compute
    inputs = _evaluation_inputs(jobs)
    return {
        "ProcessingJobName": job_name(EVALUATION_SUFFIX),
        "AppSpecification": {
            "ImageUri": jobs.image_uri,
            "ContainerEntrypoint": ["/bin/sh", "-c", EVALUATE_COMMAND, "evaluate"],
            # Every path is explicit, so the script needs no container defaults.
            "ContainerArguments": [
                *(arg for name, _, path in inputs[1:] for arg in (f"--{name}", path)),
                "--output",
                EVALUATION_DIR,
            ],
        },
        "ProcessingInputs": [_processing_input(*channel) for channel in inputs],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "evaluation",
                    "S3Output": {
                        "S3Uri": artifact_uri(jobs, "evaluation"),
                        "LocalPath": EVALUATION_DIR,
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ],
            "KmsKeyId": jobs.kms_key_arn,
        },
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": compute.processing_instance_type,
                "VolumeSizeInGB": VOLUME_SIZE_GB,
            }
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": compute.max_runtime_seconds},
        "RoleArn": jobs.role.role_arn,
    }


def _processing_input(name: str, uri: str, local_path: str) -> dict[str, Any]:
    """One S3 prefix the processing job copies to ``local_path`` before it starts."""
    return {
        "InputName": name,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local_path,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
        },
    }


def validation_job(config: Config, jobs: JobSettings) -> dict[str, Any]:
    """CreateProcessingJob: ValidateData's and ComputeBaseline's code on a large snapshot."""
    snapshot = steps.PIN_DATASET
    dataset = sfn.JsonPath.string_at(snapshot.path("dataset"))
    values = (
        RUN_ID,
        dataset,
        sfn.JsonPath.string_at(snapshot.path("version_id")),
        jobs.data_bucket_name,
        jobs.artifact_bucket_name,
    )
    reports = sfn.JsonPath.format(
        f"s3://{jobs.data_bucket_name}/{layout.report_prefix('{}')}", dataset
    )
    return {
        "ProcessingJobName": job_name(VALIDATION_SUFFIX),
        "AppSpecification": {
            "ImageUri": jobs.image_uri,
            "ContainerEntrypoint": ["/bin/sh", "-c", VALIDATE_COMMAND, "validate"],
            # Run ids and versions are run-time values, so the list is a States.Array.
            "ContainerArguments": sfn.JsonPath.array(
                *(
                    arg
                    for name, value in zip(vj.ARGUMENTS, values, strict=True)
                    for arg in (f"--{name}", value)
                ),
                *(arg for name, path in vj.PATHS.items() for arg in (f"--{name}", path)),
            ),
        },
        "ProcessingInputs": [
            _processing_input("code", jobs.processing_code_uri, vj.CODE_DIR),
            _processing_input(SPEC_CHANNEL, jobs.model_spec_uri, vj.SPEC_DIR),
            _processing_input(
                "data", sfn.JsonPath.string_at(snapshot.path("snapshot_uri")), vj.DATA_DIR
            ),
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                _processing_output("report", reports, vj.REPORT_DIR),
                _processing_output("baseline", artifact_uri(jobs, "baseline"), vj.BASELINE_DIR),
            ],
            "KmsKeyId": jobs.kms_key_arn,
        },
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": config.compute.processing_instance_type,
                "VolumeSizeInGB": VOLUME_SIZE_GB,
            }
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": config.compute.max_runtime_seconds},
        "RoleArn": jobs.role.role_arn,
    }


def _processing_output(name: str, uri: str, local_path: str) -> dict[str, Any]:
    """One local directory SageMaker uploads under ``uri`` when the job has completed."""
    return {
        "OutputName": name,
        "S3Output": {"S3Uri": uri, "LocalPath": local_path, "S3UploadMode": "EndOfJob"},
    }
