"""The checks `make aws-smoke` makes on AWS, run against the local cloud."""

from __future__ import annotations

import json

import pytest

from shadowloop.ops.api import ApiClient
from shadowloop.ops.smoke import checks
from tests.e2e.conftest import DATASET, generate, push

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("teardown")]


def test_the_smoke_checks_pass_on_a_working_stage_even_without_its_cdk_assets(
    cloud, target, api_url
):
    # Given a stage whose pipeline trained and deployed a model
    frame = generate("baseline", 800, 5)
    run = cloud.run_pipeline(dataset=DATASET, version_id=push(target, frame))
    assert run.status == "SUCCEEDED", run.cause
    # And the CDK bootstrap assets deleted, as `cdk gc` may once a newer deploy drops them:
    # the registered package must still start from its own model.tar.gz
    s3 = cloud.client("s3")
    (assets,) = [b["Name"] for b in s3.list_buckets()["Buckets"] if "-assets-" in b["Name"]]
    for item in s3.list_objects_v2(Bucket=assets).get("Contents", []):
        s3.delete_object(Bucket=assets, Key=item["Key"])
    api = ApiClient(base_url=api_url)
    instances = json.loads(
        frame[cloud.config.model.feature_names].head(5).to_json(orient="records")
    )

    # When the smoke run's checks run, each within its bound
    endpoint = checks.endpoint_in_service(target, timeout=5, poll=0.1)
    ids = checks.predict(api, instances, target.output("ModelPackageGroupName"))
    feedback_item = checks.feedback(target, api, ids[0], 31.5)
    captured = checks.captured(target, ids, timeout=5, poll=0.1)

    # Then they found the endpoint, the answers, the labelled item and the capture
    assert endpoint["EndpointStatus"] == "InService"
    assert len(ids) == 5
    assert feedback_item.startswith(f"{target.output('InferenceTableName')}/{ids[0]} ")
    assert captured


def test_a_check_that_never_passes_stops_at_its_bound():
    with pytest.raises(checks.SmokeFailed, match="timed out after 0 s waiting for nothing"):
        checks.wait_for("nothing", lambda: None, timeout=0, poll=0, sleep=lambda _: None)


def test_a_prediction_from_another_registry_fails_the_check():
    class Api:
        def predict(self, instances):
            return {
                "model_package_arn": "arn:aws:sagemaker:us-east-1:1:model-package/other/1",
                "predictions": [{"inference_id": "i", "prediction": 1.0} for _ in instances],
            }

    with pytest.raises(checks.SmokeFailed, match="outside shadowloop-smoke-x-models"):
        checks.predict(Api(), [{}], "shadowloop-smoke-x-models")
