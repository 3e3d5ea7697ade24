"""The pipeline under faults: SNS, the data bucket and SageMaker jobs failing mid-run.

One champion is trained for the module; each test then makes one AWS call fail (through
``LocalCloud.faults``, as AWS would answer it) during one run, and checks three things:
the champion still answers, nothing accepted is lost, and someone is told what happened.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from infra.config import ROOT, load_from_cdk_json
from lambdas.shared import endpoint_state, registry
from lambdas.shared.contracts import layout
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.ops import localserver, pipeline
from shadowloop.ops.api import ApiClient
from tests.e2e.conftest import DATASET, generate, notifications, push, read_s3

pytestmark = pytest.mark.e2e
FEATURES = load_from_cdk_json().model.feature_names


@dataclass
class World:
    cloud: LocalCloud
    api: ApiClient
    champion: str
    records: list[dict]
    answers: list[float]

    def assert_champion_serves(self) -> None:
        """The endpoint's production variant is still the champion, answering as before."""
        state = endpoint_state.describe(
            self.cloud.client("sagemaker"), self.cloud.output("EndpointName")
        )
        assert state.champion.model_package_arn == self.champion
        answer = self.api.predict(self.records)
        assert answer["model_package_arn"] == self.champion
        assert [p["prediction"] for p in answer["predictions"]] == self.answers

    def packages(self) -> list[str]:
        group = self.cloud.output("ModelPackageGroupName")
        return [p["arn"] for p in registry.list_packages(self.cloud.client("sagemaker"), group)]

    def push(self, rows: int, seed: int) -> tuple[str, bytes]:
        target = localserver.target_for(self.cloud)
        version = push(target, generate("baseline", rows, seed))
        return version, self.dataset_version(version)

    def dataset_version(self, version: str) -> bytes:
        bucket = self.cloud.output("DataBucketName")
        return read_s3(
            self.cloud, f"s3://{bucket}/{layout.dataset_key(DATASET)}", VersionId=version
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    cloud = LocalCloud(workdir=tmp_path_factory.mktemp("faults"), config=load_from_cdk_json())
    cloud.start(assembly_cache=ROOT / ".shadowloop" / "assembly")
    server, url = localserver.serve_api(cloud, port=0)
    try:
        version = push(localserver.target_for(cloud), generate("baseline", 2000, 0))
        first = cloud.run_pipeline(dataset=DATASET, version_id=version)
        assert first.status == "SUCCEEDED", first.cause
        api = ApiClient(url)
        records = json.loads(generate("baseline", 5, 9)[FEATURES].to_json(orient="records"))
        answers = [p["prediction"] for p in api.predict(records)["predictions"]]
        yield World(cloud, api, first.output["model_package"]["arn"], records, answers)
    finally:
        server.shutdown()
        cloud.stop()


@pytest.fixture
def cloud(world: World) -> Iterator[LocalCloud]:
    yield world.cloud
    world.cloud.faults.clear()


def _failed_tasks(cloud: LocalCloud, execution_arn: str) -> list[str]:
    events = cloud.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=1000
    )["events"]
    return [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]


def _of_run(cloud: LocalCloud, run_name: str) -> list[dict]:
    return [n for n in notifications(cloud) if n["run_id"] == run_name]


def _challenger(cloud: LocalCloud) -> str | None:
    state = endpoint_state.describe(cloud.client("sagemaker"), cloud.output("EndpointName"))
    return None if state.challenger is None else state.challenger.model_package_arn


def test_a_throttled_success_notice_is_retried_and_delivered_once(world, cloud):
    # Given SNS throttles the next Publish
    fault = cloud.faults.fail("sns", "Publish", "Throttled", times=1)
    version, pushed = world.push(3000, 11)

    # When a run trains, registers and deploys a candidate
    run = cloud.run_pipeline(dataset=DATASET, version_id=version, name="manual-sns-throttled")

    # Then the notice was refused once, retried, and delivered exactly once
    assert run.status == "SUCCEEDED", run.cause
    assert fault.injected == 1
    assert "SNS.ThrottledException" in _failed_tasks(cloud, run.arn)
    assert [n["status"] for n in _of_run(cloud, run.name)] == ["succeeded"]
    assert "notification_error" not in run.output
    # And the candidate is registered and in shadow, the champion serves, the data is kept
    candidate = run.output["model_package"]["arn"]
    assert candidate in world.packages() and _challenger(cloud) == candidate
    world.assert_champion_serves()
    assert world.dataset_version(version) == pushed


def test_a_success_notice_that_cannot_be_sent_leaves_the_deploy_and_says_so(world, cloud):
    # Given SNS fails every Publish with an internal error
    fault = cloud.faults.fail("sns", "Publish", "InternalError", times=None)
    version, pushed = world.push(3000, 12)

    # When a run trains, registers and deploys a candidate
    run = cloud.run_pipeline(dataset=DATASET, version_id=version, name="manual-sns-down")

    # Then the notice was tried four times (three retries), and none was delivered
    assert fault.injected == 4
    assert _of_run(cloud, run.name) == []
    # And the run SUCCEEDED, its output naming SNS's error: the model was deployed
    assert run.status == "SUCCEEDED", run.cause
    assert run.output["notification_error"]["Error"] == "SNS.InternalErrorException"
    assert "injected by the local cloud" in run.output["notification_error"]["Cause"]
    described = cloud.client("stepfunctions").describe_execution(executionArn=run.arn)
    assert pipeline.outcome(described).unsent_notice.startswith("SNS.InternalErrorException: ")
    candidate = run.output["model_package"]["arn"]
    assert candidate in world.packages() and _challenger(cloud) == candidate
    # And the champion serves, the data is kept
    world.assert_champion_serves()
    assert world.dataset_version(version) == pushed


def test_a_training_job_that_cannot_read_its_data_fails_the_run_with_its_reason(world, cloud):
    # Given the data bucket answers every listing of snapshots with an internal error
    # (the training job lists its channel's prefix; validation reads the snapshot by key)
    version, pushed = world.push(1500, 13)
    cloud.faults.fail("s3", "ListObjectsV2", "InternalError", times=None, where="snapshots")
    packages = world.packages()

    # When a run trains on that version
    run = cloud.run_pipeline(dataset=DATASET, version_id=version, name="manual-training-fails")

    # Then the run failed at training with the job's own reason, and the notice names it
    assert run.status == "FAILED"
    assert run.error == "TrainingFailed"
    assert "InternalError" in run.cause and "ListObjectsV2" in run.cause
    (notice,) = _of_run(cloud, run.name)
    assert notice["status"] == "failed" and notice["reason"] == run.cause
    # And nothing was registered, the champion serves, the dataset version is intact
    assert world.packages() == packages
    world.assert_champion_serves()
    cloud.faults.clear()
    assert world.dataset_version(version) == pushed


def test_an_evaluation_job_that_fails_fails_the_run_and_registers_nothing(world, cloud):
    # Given the champion's staged artifact cannot be read by the evaluation job
    run_name = "manual-evaluation-fails"
    cloud.faults.fail(
        "s3", "GetObject", "InternalError", times=None, where=layout.champion_prefix(run_name)
    )
    version, pushed = world.push(1500, 14)
    packages = world.packages()
    challenger = _challenger(cloud)

    # When a run trains a candidate and evaluates it
    run = cloud.run_pipeline(dataset=DATASET, version_id=version, name=run_name)

    # Then the run failed at evaluation with the job's own reason, and the notice names it
    assert run.status == "FAILED"
    assert run.error == "EvaluationFailed"
    assert "InternalError" in run.cause
    (notice,) = _of_run(cloud, run.name)
    assert notice["status"] == "failed" and notice["reason"] == run.cause
    # And nothing was registered or deployed, the champion serves, the version is intact
    assert world.packages() == packages
    assert _challenger(cloud) == challenger
    world.assert_champion_serves()
    assert world.dataset_version(version) == pushed
