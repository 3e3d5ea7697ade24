"""Deploy meets SageMaker's asynchronous endpoints: busy endpoints, failed updates, stopped jobs.

Endpoint changes take simulated time in the local cloud, and the pipeline's Wait and
Retry intervals pass that time, so these runs wait as they would on AWS, only faster.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from infra.config import ROOT, load_from_cdk_json
from lambdas.shared import endpoint_state
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.localcloud.endpoint_changes import CHANGE_SECONDS
from shadowloop.ops import localserver
from shadowloop.ops.api import ApiClient
from tests.e2e.conftest import DATASET, generate, push

pytestmark = pytest.mark.e2e
FEATURES = load_from_cdk_json().model.feature_names


def _notifications(cloud):
    from moto.sns.models import sns_backends

    backend = sns_backends["123456789012"]["us-east-1"]
    topic = backend.topics[cloud.output("TopicArn")]
    return [json.loads(message) for _, message, *_ in topic.sent_notifications]


def _records(frame):
    return json.loads(frame[FEATURES].to_json(orient="records"))


def _endpoint(cloud):
    return cloud.client("sagemaker").describe_endpoint(EndpointName=cloud.output("EndpointName"))


def _train(cloud, target, frame, **kwargs):
    run = cloud.run_pipeline(dataset=DATASET, version_id=push(target, frame), **kwargs)
    assert run.status == "SUCCEEDED", run.cause
    return run


def test_a_failed_update_fails_the_run_and_the_champion_keeps_serving(cloud, target, api_url):
    api = ApiClient(api_url)
    # Given v1 in production, answering real predictions
    v1 = _train(cloud, target, generate("baseline", 2000, 0)).output["model_package"]["arn"]
    records = _records(generate("baseline", 5, 9))
    before = [p["prediction"] for p in api.predict(records)["predictions"]]
    assert all(isinstance(p, float) and 5 < p < 120 for p in before)
    serving_config = _endpoint(cloud)["EndpointConfigName"]

    # And the next candidate's model artifact is damaged once its deploy is accepted
    run_id = "manual-damaged-candidate"
    damaged = f"runs/{run_id}/training/{run_id}-train-0/output/model.tar.gz"

    def damage(endpoint_name: str, config_name: str) -> None:
        cloud.client("s3").put_object(
            Bucket=cloud.output("ArtifactBucketName"), Key=damaged, Body=b"not a model archive"
        )

    cloud.endpoints.changes.on_update_accepted = damage

    # When the pipeline trains and deploys it
    frame = generate("monsoon", 2000, 1)
    pushed = frame.to_csv(index=False).encode()
    version = push(target, frame)
    run = cloud.run_pipeline(dataset=DATASET, version_id=version, name=run_id)
    cloud.endpoints.changes.on_update_accepted = None

    # Then the run fails with the endpoint's own reason, and the notification names it
    assert run.status == "FAILED"
    assert run.error == "DeploymentFailed"
    assert "shadow production variant challenger did not pass the ping health check" in run.cause
    notification = _notifications(cloud)[-1]
    assert notification["status"] == "failed"
    assert "did not pass the ping health check" in notification["reason"]
    # And the endpoint fell back: InService on v1's config, with a FailureReason
    endpoint = _endpoint(cloud)
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == serving_config
    assert "did not pass the ping health check" in endpoint["FailureReason"]
    # And the candidate's dataset version is kept as pushed
    data = (
        cloud.client("s3")
        .get_object(
            Bucket=cloud.output("DataBucketName"),
            Key=f"datasets/{DATASET}/data.csv",
            VersionId=version,
        )["Body"]
        .read()
    )
    assert data == pushed
    # And v1 answers as before
    answer = api.predict(records)
    assert answer["model_package_arn"] == v1
    assert [p["prediction"] for p in answer["predictions"]] == before

    # When the same candidate is deployed again by hand
    (package,) = [
        p
        for p in cloud.client("sagemaker").list_model_packages(
            ModelPackageGroupName=cloud.output("ModelPackageGroupName")
        )["ModelPackageSummaryList"]
        if p["ModelPackageArn"] != v1
    ]
    started = cloud.invoke(
        cloud.output("DeployFunctionName"),
        {"action": "deploy", "model_package_arn": package["ModelPackageArn"]},
    )

    # Then while the endpoint is Updating, v1 keeps answering with the same predictions
    assert started["status"] == "Updating" and _endpoint(cloud)["EndpointStatus"] == "Updating"
    during = api.predict(records)["predictions"]
    assert [p["prediction"] for p in during] == before
    # And once the update's time has passed, it has failed again and v1 still serves alone
    cloud.pass_time(timedelta(seconds=CHANGE_SECONDS))
    assert _endpoint(cloud)["EndpointConfigName"] == serving_config
    assert api.model()["production"]["model_package_arn"] == v1
    assert api.model()["shadow"] is None
    assert [p["prediction"] for p in api.predict(records)["predictions"]] == before


def _busy_retries(cloud, execution_arn):
    events = cloud.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=1000
    )["events"]
    return [
        e
        for e in events
        if e["type"] == "TaskFailed" and e["taskFailedEventDetails"]["error"] == "EndpointBusy"
    ]


def test_a_deploy_that_meets_a_busy_endpoint_is_retried_then_succeeds(cloud, target):
    # Given v1 in production, and an update of the endpoint started by someone else
    v1 = _train(cloud, target, generate("baseline", 2000, 0)).output["model_package"]["arn"]
    sagemaker = cloud.client("sagemaker")
    sagemaker.update_endpoint(
        EndpointName=cloud.output("EndpointName"),
        EndpointConfigName=_endpoint(cloud)["EndpointConfigName"],
    )
    assert _endpoint(cloud)["EndpointStatus"] == "Updating"

    # When the pipeline deploys v2 while that update runs
    run = _train(cloud, target, generate("monsoon", 2000, 1))
    v2 = run.output["model_package"]["arn"]

    # Then Deploy was refused as busy, retried, and the run succeeded
    assert _busy_retries(cloud, run.arn)
    assert _notifications(cloud)[-1]["status"] == "succeeded"
    # And the endpoint is InService on the config Deploy made, with v2 in shadow beside v1
    endpoint = _endpoint(cloud)
    assert endpoint["EndpointStatus"] == "InService"
    assert (
        endpoint["EndpointConfigName"]
        == run.output["deployment"]["response"]["endpoint_config_name"]
    )
    state = endpoint_state.describe(sagemaker, cloud.output("EndpointName"))
    assert state.champion.model_package_arn == v1
    assert state.challenger is not None and state.challenger.model_package_arn == v2


@pytest.fixture
def short_jobs_cloud(tmp_path) -> Iterator[LocalCloud]:
    """A local account whose jobs may run for one second only."""
    config = load_from_cdk_json()
    config = dataclasses.replace(
        config, compute=dataclasses.replace(config.compute, max_runtime_seconds=1)
    )
    local = LocalCloud(workdir=tmp_path, config=config)
    local.start(assembly_cache=ROOT / ".shadowloop" / "assembly")
    yield local
    local.stop()


def test_a_job_stopped_at_its_time_limit_fails_the_run_and_notifies(short_jobs_cloud):
    cloud = short_jobs_cloud
    target = localserver.target_for(cloud)

    # When a run trains on a dataset that takes longer than the one-second limit
    run = cloud.run_pipeline(
        dataset=DATASET, version_id=push(target, generate("baseline", 20000, 0))
    )

    # Then the training job is Stopped, without a FailureReason, as SageMaker leaves it
    job = cloud.client("sagemaker").describe_training_job(TrainingJobName=f"{run.name}-train-0")
    assert job["TrainingJobStatus"] == "Stopped"
    assert job["SecondaryStatus"] == "MaxRuntimeExceeded"
    assert "FailureReason" not in job
    # And the run failed through the failure path, and the notification says Stopped
    assert run.status == "FAILED"
    assert run.error == "TrainingStopped"
    notification = _notifications(cloud)[-1]
    assert notification["status"] == "failed"
    assert (
        "Stopped" in notification["reason"]
        and "MaxRuntimeInSeconds is 1 s" in (notification["reason"])
    )
