"""POST /feedback against moto: recorded once on the prediction's item, refused when unknown
or repeated, and found through the feedback index under the hour of the prediction."""

from __future__ import annotations

import json
from datetime import datetime

import boto3
import pytest

from lambdas.api.handler import handler
from lambdas.shared.capture import Skipped
from lambdas.shared.contracts import feedback as contract
from lambdas.shared.feedback import read_feedback
from tests.integration.api.conftest import SPEC, TABLE
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


def item(inference_id: str) -> dict | None:
    return (
        boto3.client("dynamodb")
        .get_item(TableName=TABLE, Key={"inference_id": {"S": inference_id}}, ConsistentRead=True)
        .get("Item")
    )


def test_feedback_is_recorded_on_the_item_under_the_hour_of_its_prediction(inference_id):
    # Given a prediction made through the API
    predicted_at = datetime.fromisoformat(item(inference_id)["predicted_at"]["S"])

    # When its outcome arrives
    status, body = post_feedback({"inference_id": inference_id, "actual": 41.5})

    # Then the item holds it, keyed for the index by the hour of the prediction
    assert status == 201
    assert body["inference_id"] == inference_id and body["actual"] == 41.5
    assert datetime.fromisoformat(body["received_at"]).tzinfo is not None
    stored = item(inference_id)
    assert stored[contract.ACTUAL] == {"N": "41.5"}
    assert stored[contract.HOUR] == {"S": f"{predicted_at:%Y-%m-%dT%H}"}
    assert stored[contract.RECEIVED_AT] == {"S": body["received_at"]}
    # And the checks' reader finds it in that hour's window
    skipped = Skipped()
    found = read_feedback(
        boto3.client("dynamodb"), TABLE, skipped, start=predicted_at, end=predicted_at
    )
    assert found == {inference_id: 41.5} and skipped.count == 0


def test_a_second_answer_is_a_conflict_and_keeps_the_first(inference_id):
    first_status, _ = post_feedback({"inference_id": inference_id, "actual": 41.5})

    status, body = post_feedback({"inference_id": inference_id, "actual": 99})

    assert (first_status, status) == (201, 409)
    assert body["error"] == {
        "code": "FeedbackExists",
        "message": f"feedback for inference_id '{inference_id}' is already recorded",
    }
    assert item(inference_id)[contract.ACTUAL] == {"N": "41.5"}


def test_feedback_for_an_unknown_id_is_not_found_and_not_stored(aws):
    status, body = post_feedback({"inference_id": "0" * 32, "actual": 12})

    assert status == 404
    assert body["error"]["code"] == "UnknownInference"
    assert body["error"]["message"] == f"inference_id '{'0' * 32}' is unknown"
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []


def test_regression_feedback_needs_a_number(inference_id):
    status, body = post_feedback({"inference_id": inference_id, "actual": "late"})

    assert status == 422
    assert body["error"]["message"] == "'actual' must be a number, got \"late\""
    assert contract.ACTUAL not in item(inference_id)


@pytest.mark.parametrize("actual", [1e130, 1e-140, 10**40])
def test_a_number_dynamodb_cannot_hold_is_refused_by_name(inference_id, actual):
    status, body = post_feedback({"inference_id": inference_id, "actual": actual})

    assert status == 422
    assert "outside the numbers the audit record holds" in body["error"]["message"]
    assert contract.HOUR not in item(inference_id)


def test_classification_feedback_takes_a_label_kept_as_text(inference_id, monkeypatch):
    monkeypatch.setenv("MODEL_SPEC", json.dumps({**SPEC, "task": "classification"}))

    status, _ = post_feedback({"inference_id": inference_id, "actual": "7"})

    assert status == 201
    assert item(inference_id)[contract.ACTUAL] == {"S": "7"}


def test_a_label_too_long_for_the_item_is_refused(inference_id, monkeypatch):
    monkeypatch.setenv("MODEL_SPEC", json.dumps({**SPEC, "task": "classification"}))

    status, body = post_feedback({"inference_id": inference_id, "actual": "x" * 1025})

    assert status == 422
    assert body["error"]["message"] == "'actual' is 1025 bytes; a label may have at most 1024"
    assert contract.ACTUAL not in item(inference_id)
