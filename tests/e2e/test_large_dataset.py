"""A snapshot over ``compute.lambda_dataset_max_bytes`` is validated by a processing job."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest

from infra.config import ROOT, load_from_cdk_json
from lambdas.shared.contracts import layout
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.ops import localserver
from shadowloop.ops.api import ApiClient
from tests.e2e.conftest import DATASET, generate, notifications, push, read_s3

# Any dataset is over this: every run takes the processing job's path.
TINY_THRESHOLD = 1


@pytest.fixture
def large_cloud(tmp_path) -> Iterator[LocalCloud]:
    """A local account whose Lambdas take snapshots of at most one byte."""
    config = load_from_cdk_json()
    config = dataclasses.replace(
        config,
        compute=dataclasses.replace(config.compute, lambda_dataset_max_bytes=TINY_THRESHOLD),
    )
    local = LocalCloud(workdir=tmp_path, config=config)
    local.start(assembly_cache=ROOT / ".shadowloop" / "assembly")
    yield local
    local.stop()


def test_a_large_dataset_is_validated_and_summarised_by_a_processing_job(large_cloud):
    cloud = large_cloud
    target = localserver.target_for(cloud)
    frame = generate("baseline", rows=2000, seed=0)
    version = push(target, frame)

    # When the pipeline runs on a snapshot over the threshold
    run = cloud.run_pipeline(dataset=DATASET, version_id=version)

    # Then it succeeds through the validation job, which SageMaker ran to completion
    assert run.status == "SUCCEEDED", run.cause
    job = cloud.client("sagemaker").describe_processing_job(
        ProcessingJobName=f"{run.name}-validate-0"
    )
    assert job["ProcessingJobStatus"] == "Completed"
    assert json.loads(job["ExitMessage"]) == {"rows": len(frame)}
    # And neither Lambda read the snapshot
    entered = _entered(cloud, run.arn)
    assert {"PinDataset", "StartValidation", "UseJobBaseline"} <= entered
    assert not {"ValidateData", "ComputeBaseline"} & entered
    # And the run's state has the shape the ValidateData Lambda gives
    data = run.output["data"]
    assert (data["version_id"], data["rows"]) == (version, len(frame))
    assert data["report_uri"].endswith(layout.report_key(DATASET, version))
    # And the report and baseline are byte for byte what the Lambdas write for the same data
    report = read_s3(cloud, data["report_uri"])
    baseline = read_s3(cloud, run.output["baseline"]["uri"])
    assert run.output["baseline"]["uri"].endswith(layout.baseline_key(run.name))
    assert json.loads(report)["passed"] is True
    target.invoke(
        cloud.function_name("validate-data"),
        {"run_id": "lambda-path", "dataset": DATASET, "version_id": version},
    )
    lambda_baseline = target.invoke(
        cloud.function_name("compute-baseline"),
        {"run_id": "lambda-path", "snapshot_uri": data["snapshot_uri"]},
    )
    assert read_s3(cloud, data["report_uri"]) == report
    assert read_s3(cloud, lambda_baseline["uri"]) == baseline
    # And the registered model, whose lineage names that baseline, serves
    assert notifications(cloud)[-1]["status"] == "succeeded"
    server, url = localserver.serve_api(cloud, port=0)
    try:
        record = frame.drop(columns=["delivery_minutes"]).iloc[0].to_dict()
        answer = ApiClient(url).predict([{k: _plain(v) for k, v in record.items()}])
    finally:
        server.shutdown()
    (prediction,) = answer["predictions"]
    assert 0 < prediction["prediction"] < 200


def test_an_invalid_large_dataset_fails_as_the_lambda_path_fails(large_cloud):
    cloud = large_cloud
    target = localserver.target_for(cloud)
    damaged = generate("baseline", rows=300, seed=1)
    damaged["rain_mm"] = ["heavy"] * 5 + list(damaged["rain_mm"][5:])
    version = push(target, damaged)

    # When the pipeline runs on it through the validation job
    run = cloud.run_pipeline(dataset=DATASET, version_id=version)

    # Then the job completed, so its report was uploaded, and the report says why
    job = cloud.client("sagemaker").describe_processing_job(
        ProcessingJobName=f"{run.name}-validate-0"
    )
    assert job["ProcessingJobStatus"] == "Completed"
    report_uri = f"s3://{cloud.output('DataBucketName')}/{layout.report_key(DATASET, version)}"
    report = json.loads(read_s3(cloud, report_uri))
    assert report["passed"] is False and "rain_mm" in report["errors"][0]
    # And the run fails with the ValidateData Lambda's error and message
    assert run.status == "FAILED"
    assert run.error == "DatasetInvalid"
    with pytest.raises(Exception) as raised:
        target.invoke(
            cloud.function_name("validate-data"),
            {"run_id": "lambda-path", "dataset": DATASET, "version_id": version},
        )
    assert run.cause == str(raised.value)
    assert "rain_mm" in run.cause
    # And the notice names the column, no training started and no baseline was written
    assert "rain_mm" in notifications(cloud)[-1]["reason"]
    assert "StartTraining" not in _entered(cloud, run.arn)
    baselines = cloud.client("s3").list_objects_v2(
        Bucket=cloud.output("ArtifactBucketName"), Prefix=layout.baseline_key(run.name)
    )
    assert baselines["KeyCount"] == 0


def _entered(cloud, execution_arn):
    """The names of the states the execution entered."""
    events = cloud.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=1000
    )["events"]
    return {
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    }


def _plain(value):
    return value.item() if hasattr(value, "item") else value
