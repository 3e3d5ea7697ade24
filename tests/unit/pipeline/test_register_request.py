"""The CreateModelPackage request built for a candidate (moto checks no shapes, so this does)."""

import dataclasses

import pytest

from lambdas.register_model.package import (
    Candidate,
    RegistrationRefused,
    RegistrySettings,
    build_model_package_request,
    training_job_of,
)
from lambdas.shared.registry import LINEAGE_PROPERTIES
from tests.unit.pipeline.data import SPEC

MODEL = "s3://artifacts/runs/run-7/training/shadowloop-run-7/output/model.tar.gz"
SETTINGS = RegistrySettings(
    group="shadowloop-dev-models",
    approval_status="Approved",
    image_uri="123.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.9-0",
    code_version="abc1234",
    data_bucket="data",
)


def state(**overrides):
    event = {
        "run_id": "run-7",
        "trigger": "drift",
        "data": {
            "dataset": "delivery-eta",
            "version_id": "v-42",
            "source_uri": "s3://data/datasets/delivery-eta/data.csv",
            "snapshot_uri": "s3://data/snapshots/delivery-eta/v-42/data.csv",
            "report_uri": "s3://data/reports/validation/delivery-eta/v-42.json",
            "rows": 100,
        },
        "training": {
            "TrainingJobStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": MODEL},
        },
        "gate": {
            "decision": "pass",
            "reason": "ok",
            "metric": "rmse",
            "candidate": 5.1,
            "champion": 5.2,
        },
        "baseline": {"uri": "s3://artifacts/runs/run-7/baseline/statistics.json"},
        "champion": {"model_package_arn": "arn:aws:sagemaker:us-east-1:1:model-package/g/3"},
        "evaluation_uri": "s3://artifacts/runs/run-7/evaluation/evaluation.json",
    }
    event.update(overrides)
    return event


def test_request_carries_container_metrics_and_full_lineage():
    request = build_model_package_request(Candidate.from_event(state(), SPEC, "data"), SETTINGS)

    container = request["InferenceSpecification"]["Containers"][0]
    assert container == {
        "Image": SETTINGS.image_uri,
        "ModelDataUrl": MODEL,
        "Environment": {
            "SAGEMAKER_PROGRAM": "inference.py",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
        },
    }
    assert request["ModelPackageGroupName"] == "shadowloop-dev-models"
    assert request["ModelApprovalStatus"] == "Approved"
    assert request["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"].endswith(
        "evaluation.json"
    )
    assert request["ModelMetrics"]["ModelDataQuality"]["Statistics"]["S3Uri"].endswith(
        "statistics.json"
    )
    assert request["ModelPackageDescription"] == (
        "drift run run-7: rmse 5.1 on dataset delivery-eta version v-42"
    )
    lineage = request["CustomerMetadataProperties"]
    assert list(lineage) == list(LINEAGE_PROPERTIES)
    assert all(isinstance(value, str) for value in lineage.values())
    assert lineage["version_id"] == "v-42"
    assert lineage["training_job"] == "shadowloop-run-7"
    assert lineage["code_version"] == "abc1234"
    assert lineage["metric_value"] == "5.1"
    assert lineage["champion_metric_value"] == "5.2"
    assert lineage["champion_model_package_arn"].endswith("model-package/g/3")
    assert "SupportedRealtimeInferenceInstanceTypes" not in request["InferenceSpecification"]


def test_a_classifier_names_its_calibration_beside_its_evaluation():
    classifier = dataclasses.replace(SPEC, task="classification", metric="accuracy")

    lineage = build_model_package_request(
        Candidate.from_event(state(), classifier, "data"), SETTINGS
    )["CustomerMetadataProperties"]
    regressor = build_model_package_request(Candidate.from_event(state(), SPEC, "data"), SETTINGS)[
        "CustomerMetadataProperties"
    ]

    assert lineage["calibration_uri"] == "s3://artifacts/runs/run-7/evaluation/calibration.json"
    assert regressor["calibration_uri"] == "none"


def test_first_model_records_no_champion():
    event = state(champion={"model_package_arn": None, "model_data_url": None, "uri": "s3://x/"})
    event["gate"]["champion"] = None

    lineage = build_model_package_request(Candidate.from_event(event, SPEC, "data"), SETTINGS)[
        "CustomerMetadataProperties"
    ]

    assert lineage["champion_metric_value"] == "none"
    assert lineage["champion_model_package_arn"] == "none"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"training": {"TrainingJobStatus": "Failed"}}, "training job is 'Failed'"),
        (
            {"gate": {"decision": "reject", "reason": "too slow"}},
            "did not pass the candidate: too slow",
        ),
        ({"baseline": {}}, "no 'baseline.uri'"),
        ({"data": None}, "no 'data'"),
    ],
)
def test_incomplete_or_rejected_runs_are_refused(overrides, message):
    with pytest.raises(RegistrationRefused, match=message):
        Candidate.from_event(state(**overrides), SPEC, "data")


def test_training_job_name_comes_from_the_artifact_path():
    assert training_job_of(MODEL) == "shadowloop-run-7"
    assert training_job_of("s3://bucket/model.tar.gz") == "none"
