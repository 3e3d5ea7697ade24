"""Serving on the local cloud: shadow deployment, the HTTP API, captures, promotion, rollback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from lambdas.shared import capture
from lambdas.shared.contracts import feedback
from shadowloop.ops.api import ApiClient, ApiError
from tests.e2e.conftest import DATASET, generate, push

pytestmark = pytest.mark.e2e
FEATURES = [
    "distance_km",
    "hour",
    "weekday",
    "rain_mm",
    "traffic_index",
    "prep_minutes",
    "items",
    "city_zone",
]


def _train(cloud, target, frame):
    run = cloud.run_pipeline(dataset=DATASET, version_id=push(target, frame))
    assert run.status == "SUCCEEDED", run.cause
    assert run.output["gate"]["decision"] == "pass", run.output["gate"]["reason"]
    return run.output["model_package"]["arn"]


def _records(frame):
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in frame[FEATURES].to_dict("records")
    ]


def _captures(cloud, variant):
    s3 = cloud.client("s3")
    bucket = cloud.output("CaptureBucketName")
    skipped = capture.Skipped()
    endpoint = cloud.output("EndpointName")
    records = {
        record.inference_id: record.output
        for record in capture.read_captures(s3, bucket, endpoint, variant, skipped)
    }
    assert skipped.count == 0
    return records


def _send(api, frame, *, feedback=True):
    answers = []
    for start in range(0, len(frame), 50):
        batch = frame.iloc[start : start + 50]
        answer = api.predict(_records(batch))
        for prediction, actual in zip(
            answer["predictions"], batch["delivery_minutes"], strict=True
        ):
            if feedback:
                api.feedback(prediction["inference_id"], float(actual))
        answers.append(answer)
    return answers


def _clock_after_deployment(cloud):
    """Traffic is stamped by the simulated clock: put it after the shadow went live."""
    cloud.scheduler.now = datetime.now(UTC) + timedelta(minutes=1)


def _status(api, inference_id, actual):
    """The HTTP status of one POST /feedback."""
    try:
        api.feedback(inference_id, float(actual))
    except ApiError as exc:
        return exc.status
    return 201


def _labelled_items(cloud):
    """``actual`` by inference id of every item in the feedback index."""
    items = cloud.client("dynamodb").scan(
        TableName=cloud.output("InferenceTableName"), IndexName=feedback.INDEX
    )["Items"]
    return {i["inference_id"]["S"]: feedback.decode_actual(i[feedback.ACTUAL]) for i in items}


def _check_promotion(cloud):
    """Run the check as its schedule would an hour from now (firing nothing else)."""
    return cloud.invoke(
        cloud.function_name("promotion-check"),
        {"time": (cloud.scheduler.now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")},
    )


def test_shadow_capture_promotion_and_rollback(cloud, target, api_url):
    api = ApiClient(api_url)
    # Given v1 trained on ordinary days: it goes straight to production
    v1 = _train(cloud, target, generate("baseline", 2500, 0))
    assert api.model()["production"]["model_package_arn"] == v1
    assert api.model()["shadow"] is None

    # And v2 trained on monsoon days: it runs in shadow beside v1
    v2 = _train(cloud, target, generate("monsoon", 2500, 1))
    sagemaker = cloud.client("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName=cloud.output("EndpointName"))
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    assert [v["VariantName"] for v in config["ProductionVariants"]] == ["champion"]
    assert [v["VariantName"] for v in config["ShadowProductionVariants"]] == ["challenger"]
    assert config["DataCaptureConfig"]["EnableCapture"] is True
    assert config["DataCaptureConfig"]["DestinationS3Uri"].startswith(
        f"s3://{cloud.output('CaptureBucketName')}/"
    )

    # When monsoon traffic comes in over HTTP, with its ground truth
    _clock_after_deployment(cloud)
    traffic = generate("monsoon", 300, 2)
    answers = _send(api, traffic)

    # Then v1 answered with real predictions
    predictions = [p for a in answers for p in a["predictions"]]
    assert {a["variant"] for a in answers} == {"champion"}
    assert {a["model_package_arn"] for a in answers} == {v1}
    errors = [
        p["prediction"] - t for p, t in zip(predictions, traffic["delivery_minutes"], strict=True)
    ]
    assert 3.0 < (sum(e * e for e in errors) / len(errors)) ** 0.5 < 20.0

    # And the captures hold both models' outputs for the same inference ids
    champion, challenger = _captures(cloud, "champion"), _captures(cloud, "challenger")
    ids = {p["inference_id"] for p in predictions}
    assert ids <= set(champion) and ids <= set(challenger)
    some = sorted(ids)[0]
    assert champion[some] != challenger[some]

    # And every prediction's item holds its feedback, in the index
    labelled = _labelled_items(cloud)
    assert set(labelled) == ids

    # When the promotion check runs on that evidence
    report = _check_promotion(cloud)

    # Then v2, better on the monsoon traffic, is promoted: v1 serves until the update lands
    assert report["decision"] == "promote", report["reason"]
    assert report["labelled"] == len(ids)
    assert report["evidence"]["deployment"]["status"] == "Updating"
    assert api.model()["production"]["model_package_arn"] == v1
    cloud.settle_endpoints()
    assert api.model()["production"]["model_package_arn"] == v2
    assert api.model()["shadow"] is None
    assert (
        sagemaker.describe_model_package(ModelPackageName=v2)["ModelApprovalStatus"] == "Approved"
    )

    # When the previous champion is restored
    cloud.invoke(cloud.output("DeployFunctionName"), {"action": "rollback"})
    cloud.settle_endpoints()

    # Then v1 serves again
    assert api.model()["production"]["model_package_arn"] == v1


def test_a_worse_shadow_is_retired_and_the_champion_keeps_serving(cloud, target, api_url):
    api = ApiClient(api_url)
    # Given v1 trained on ordinary days, and v2 trained on monsoon days in shadow
    v1 = _train(cloud, target, generate("baseline", 2500, 0))
    v2 = _train(cloud, target, generate("monsoon", 2500, 1))

    # When ordinary traffic comes in, where v2 is the worse model
    _clock_after_deployment(cloud)
    _send(api, generate("baseline", 300, 3))
    report = _check_promotion(cloud)

    # Then v2 is retired and rejected, and v1 keeps serving alone
    assert report["decision"] == "retire", report["reason"]
    cloud.settle_endpoints()
    assert api.model()["production"]["model_package_arn"] == v1
    assert api.model()["shadow"] is None
    status = cloud.client("sagemaker").describe_model_package(ModelPackageName=v2)
    assert status["ModelApprovalStatus"] == "Rejected"


def test_bad_requests_get_a_clear_answer_through_the_api(cloud, target, api_url):
    api = ApiClient(api_url)
    _train(cloud, target, generate("baseline", 1500, 0))
    record = _records(generate("baseline", 1, 9))[0]

    # A missing feature is named
    with pytest.raises(ApiError) as missing:
        api.predict([{k: v for k, v in record.items() if k != "rain_mm"}])
    assert missing.value.status in (400, 422) and "rain_mm" in str(missing.value)

    # Feedback for an id nobody was given is refused
    with pytest.raises(ApiError) as unknown:
        api.feedback("not-an-inference-id", 12.0)
    assert unknown.value.status in (400, 404)

    # A second answer for the same prediction is a conflict and changes nothing
    (prediction,) = api.predict([record])["predictions"]
    api.feedback(prediction["inference_id"], 30.0)
    with pytest.raises(ApiError) as twice:
        api.feedback(prediction["inference_id"], 99.0)
    assert twice.value.status == 409
    assert _labelled_items(cloud) == {prediction["inference_id"]: 30.0}

    # Eight answers sent at once for another prediction: one is recorded, the rest refused
    (raced,) = api.predict([record])["predictions"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: _status(api, raced["inference_id"], n), range(8)))
    assert sorted(statuses) == [201] + [409] * 7
    first = _labelled_items(cloud)[raced["inference_id"]]
    assert first == float(statuses.index(201))
