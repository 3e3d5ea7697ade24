"""POST /feedback against moto: stored once under feedback/, refused when unknown or repeated."""

from __future__ import annotations

import json
from datetime import datetime

import boto3
import pytest

from lambdas.api.handler import handler
from tests.integration.api.conftest import BUCKET, SPEC
from tests.integration.api.events import LambdaContext, answer, rest_event

RECORD = {"distance_km": 4.2, "hour": 18, "city_zone": "north"}


@pytest.fixture
def inference_id(champion, runtime) -> str:
    """The id of one prediction made through the API."""
    event = rest_event("POST", "/predict", {"instances": [RECORD]})
    status, body = answer(handler(event, LambdaContext()))
    assert status == 200
    return body["predictions"][0]["inference_id"]


def post_feedback(body):
    return answer(handler(rest_event("POST", "/feedback", body), LambdaContext()))


def test_feedback_is_stored_under_the_hour_of_its_prediction(inference_id):
    # Given a prediction made through the API
    item = boto3.client("dynamodb").get_item(
        TableName="shadowloop-dev-inferences", Key={"inference_id": {"S": inference_id}}
    )["Item"]
    hour = datetime.fromisoformat(item["predicted_at"]["S"]).strftime("%Y/%m/%d/%H")

    # When its outcome arrives
    status, body = post_feedback({"inference_id": inference_id, "actual": 41.5})

    # Then it is in S3 at feedback/{hour of the prediction}/{id}.json
    key = f"feedback/{hour}/{inference_id}.json"
    assert status == 201
    assert body == {"inference_id": inference_id, "stored": f"s3://{BUCKET}/{key}"}
    stored = json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert stored["inference_id"] == inference_id
    assert stored["actual"] == 41.5
    assert datetime.fromisoformat(stored["received_at"]).tzinfo is not None


def test_a_second_answer_is_a_conflict_and_keeps_the_first(inference_id):
    first_status, first = post_feedback({"inference_id": inference_id, "actual": 41.5})
    bucket, key = first["stored"].removeprefix("s3://").split("/", 1)

    status, body = post_feedback({"inference_id": inference_id, "actual": 99})

    assert (first_status, status) == (201, 409)
    assert body["error"] == {
        "code": "FeedbackExists",
        "message": f"feedback for inference_id '{inference_id}' is already recorded",
    }
    stored = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert stored["actual"] == 41.5


def test_feedback_for_an_unknown_id_is_not_found_and_not_stored(aws):
    status, body = post_feedback({"inference_id": "0" * 32, "actual": 12})

    assert status == 404
    assert body["error"]["code"] == "UnknownInference"
    assert body["error"]["message"] == f"inference_id '{'0' * 32}' is unknown"
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=BUCKET)


def test_regression_feedback_needs_a_number(inference_id):
    status, body = post_feedback({"inference_id": inference_id, "actual": "late"})

    assert status == 422
    assert body["error"]["message"] == "'actual' must be a number, got \"late\""


def test_classification_feedback_takes_a_label(inference_id, monkeypatch):
    monkeypatch.setenv("MODEL_SPEC", json.dumps({**SPEC, "task": "classification"}))

    status, body = post_feedback({"inference_id": inference_id, "actual": "late"})

    assert status == 201
    bucket, key = body["stored"].removeprefix("s3://").split("/", 1)
    stored = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert stored["actual"] == "late"
