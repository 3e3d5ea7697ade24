"""ResolveChampion against moto: which model is the champion, and what the run gets staged."""

import json

import pytest

from lambdas.resolve_champion.champion import ChampionArtifactsMissing, InvalidRunId
from lambdas.resolve_champion.handler import handler
from lambdas.shared.contracts import steps
from tests.integration.pipeline.conftest import ARTIFACT_BUCKET, ENDPOINT, GROUP, read

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
PREFIX = "runs/run-1/champion/"


def register(sagemaker, s3, name, status="Approved", artifact=b"model bytes", lineage=None):
    """A package whose model.tar.gz holds ``artifact`` (None: no object at its URL)."""
    key = f"models/{name}/model.tar.gz"
    if artifact is not None:
        s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=artifact)
    return sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus=status,
        CustomerMetadataProperties=lineage or {},
        InferenceSpecification={
            "Containers": [{"Image": "sklearn", "ModelDataUrl": f"s3://{ARTIFACT_BUCKET}/{key}"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]


def serve(sagemaker, package_arn):
    """An endpoint whose production variant serves the package."""
    sagemaker.create_model(
        ModelName="champion-model",
        PrimaryContainer={"ModelPackageName": package_arn},
        ExecutionRoleArn=ROLE,
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="config-1",
        ProductionVariants=[
            {
                "VariantName": "champion",
                "ModelName": "champion-model",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="config-1")


def champion_json(s3):
    return json.loads(read(s3, ARTIFACT_BUCKET, f"{PREFIX}champion.json"))


def test_without_endpoint_or_approved_package_there_is_no_champion(s3, sagemaker, context):
    register(sagemaker, s3, "pending", status="PendingManualApproval")

    result = handler({"run_id": "run-1"}, context)

    assert tuple(result) == steps.RESOLVE_CHAMPION.result
    assert result == {
        "model_package_arn": None,
        "model_data_url": None,
        "uri": f"s3://{ARTIFACT_BUCKET}/{PREFIX}",
        # SageMaker refuses an input prefix with no objects: the run's prefix stands in.
        "holdout_uri": f"s3://{ARTIFACT_BUCKET}/{PREFIX}",
    }
    assert champion_json(s3)["source"] == "none"
    listed = s3.list_objects_v2(Bucket=ARTIFACT_BUCKET, Prefix=PREFIX)["Contents"]
    assert [item["Key"] for item in listed] == [f"{PREFIX}champion.json"]


def test_before_the_first_deployment_the_newest_approved_package_is_champion(
    s3, sagemaker, context
):
    # Given two approved packages and a newer pending one
    register(sagemaker, s3, "v1", artifact=b"v1")
    newest_approved = register(sagemaker, s3, "v2", artifact=b"v2")
    register(sagemaker, s3, "v3", status="PendingManualApproval", artifact=b"v3")

    # When the champion is resolved
    result = handler({"run_id": "run-1"}, context)

    # Then the newest approved package is staged for the run
    assert result["model_package_arn"] == newest_approved
    assert champion_json(s3)["source"] == "registry"
    assert read(s3, ARTIFACT_BUCKET, f"{PREFIX}model.tar.gz") == b"v2"


def test_the_endpoints_production_model_is_champion(s3, sagemaker, context):
    # Given the endpoint serves v1 although v2 was approved later
    serving = register(sagemaker, s3, "v1", artifact=b"serving")
    register(sagemaker, s3, "v2", artifact=b"newer")
    serve(sagemaker, serving)

    result = handler({"run_id": "run-1"}, context)

    assert result["model_package_arn"] == serving
    assert result["model_data_url"] == f"s3://{ARTIFACT_BUCKET}/models/v1/model.tar.gz"
    assert champion_json(s3) == {
        "model_package_arn": serving,
        "model_data_url": result["model_data_url"],
        "source": "endpoint",
        "snapshot_uri": None,
        "version_id": None,
    }
    assert read(s3, ARTIFACT_BUCKET, f"{PREFIX}model.tar.gz") == b"serving"
    # A package without a snapshot in its lineage has no holdout of its own to stage
    assert result["holdout_uri"] == result["uri"]


def test_the_champions_training_snapshot_is_staged_as_its_holdout(s3, sagemaker, context):
    # Given the serving package's lineage names the snapshot it trained on
    snapshot = "s3://shadowloop-dev-data/snapshots/delivery-eta/v1/data.csv"
    serving = register(sagemaker, s3, "v1", lineage={"snapshot_uri": snapshot, "version_id": "v1"})
    serve(sagemaker, serving)

    result = handler({"run_id": "run-1"}, context)

    # Then the evaluation job reads that snapshot, and champion.json names it
    assert result["holdout_uri"] == snapshot
    described = champion_json(s3)
    assert (described["snapshot_uri"], described["version_id"]) == (snapshot, "v1")


def test_missing_champion_artifact_is_a_named_error(s3, sagemaker, context):
    arn = register(sagemaker, s3, "gone", artifact=None)

    with pytest.raises(ChampionArtifactsMissing, match=f"champion {arn}: model artifact"):
        handler({"run_id": "run-1"}, context)


def test_run_id_must_name_a_prefix(aws, context):
    with pytest.raises(InvalidRunId, match="'../x' is not a valid execution name"):
        handler({"run_id": "../x"}, context)
