"""POST /predict against moto: the answer, the inferences table and endpoint failures."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError

from lambdas.api import inferences
from lambdas.api.handler import handler
from lambdas.api.validation import MAX_BODY_BYTES
from tests.integration.api.conftest import LINEAGE, TABLE, client_error, deploy, register_package
from tests.integration.api.events import LambdaContext, answer, rest_event

RECORD = {"distance_km": 4.2, "hour": 18, "city_zone": "north"}


def post_predict(instances):
    return answer(
        handler(rest_event("POST", "/predict", {"instances": instances}), LambdaContext())
    )


def test_predict_answers_with_the_champion_package_and_one_id_per_record(champion, runtime):
    runtime._predict = lambda instances: [10.0 + i for i in range(len(instances))]

    status, body = post_predict([RECORD, {**RECORD, "hour": 9}])

    assert status == 200
    assert body["variant"] == "champion"
    assert body["model_package_arn"] == champion
    assert body["model_version"] == 1
    assert [p["prediction"] for p in body["predictions"]] == [10.0, 11.0]
    ids = [p["inference_id"] for p in body["predictions"]]
    assert len(set(ids)) == 2 and all(len(i) == 32 for i in ids)


def test_predict_sends_the_records_with_their_ids_and_the_batch_id(champion, runtime):
    status, body = post_predict([RECORD])

    sent = runtime.requests[0]
    assert status == 200
    assert sent["EndpointName"] == "shadowloop-dev"
    assert json.loads(sent["Body"]) == {
        "instances": [RECORD],
        "inference_ids": [body["predictions"][0]["inference_id"]],
    }
    item = _item(body["predictions"][0]["inference_id"])
    assert sent["InferenceId"] == item["batch_id"]["S"]


def test_predict_records_every_inference_for_the_audit_retention(champion, runtime):
    # Given a batch of three records and a retention of 365 days (api_env)
    records = [RECORD, {**RECORD, "hour": 9}, {**RECORD, "city_zone": "zone é"}]

    # When they are predicted
    status, body = post_predict(records)

    # Then each inference is in the table with its model, its lineage, its input and output
    assert status == 200
    items = [_item(p["inference_id"]) for p in body["predictions"]]
    assert len({i["batch_id"]["S"] for i in items}) == 1
    for item, record in zip(items, records, strict=True):
        assert item["variant"] == {"S": "champion"}
        assert item["model_package_arn"] == {"S": champion}
        assert item["version_id"] == {"S": LINEAGE["version_id"]}
        assert item["code_version"] == {"S": LINEAGE["code_version"]}
        assert json.loads(item["input"]["S"]) == record
        assert item["prediction"] == {"N": "30.5"}
        predicted_at = datetime.fromisoformat(item["predicted_at"]["S"])
        expires_at = int(item["expires_at"]["N"])
        assert expires_at == int((predicted_at + timedelta(days=365)).timestamp())


def test_a_full_body_of_the_largest_instances_is_recorded_whole(champion, runtime):
    # Given MAX_BATCH (5) instances whose text fills the 256 KiB body limit
    filler = (MAX_BODY_BYTES - 1024) // 5
    records = [{**RECORD, "city_zone": f"{i}" + "z" * filler} for i in range(5)]
    assert len(json.dumps({"instances": records})) <= MAX_BODY_BYTES

    # When they are predicted
    status, body = post_predict(records)

    # Then every one is recorded with its input intact
    assert status == 200, body
    stored = [json.loads(_item(p["inference_id"])["input"]["S"]) for p in body["predictions"]]
    assert stored == records


def test_one_full_body_instance_fits_one_item(champion, runtime):
    # Given a single instance as large as the body limit allows
    record = {**RECORD, "city_zone": "z" * (MAX_BODY_BYTES - 200)}

    status, body = post_predict([record])

    # Then it is recorded whole: 256 KiB is well inside DynamoDB's 400 KB item
    assert status == 200, body
    item = _item(body["predictions"][0]["inference_id"])
    assert json.loads(item["input"]["S"]) == record


def test_class_label_predictions_are_stored_as_text(champion, runtime):
    runtime._predict = lambda instances: ["late"] * len(instances)

    status, body = post_predict([RECORD])

    assert status == 200
    assert _item(body["predictions"][0]["inference_id"])["prediction"] == {"S": "late"}


def test_a_classifier_answers_each_record_with_its_class_probabilities(champion, runtime):
    runtime._predict = lambda instances: [1, 0][: len(instances)]
    runtime._answer_fields = lambda instances: {
        "classes": [0, 1],
        "probabilities": [[0.3, 0.7], [0.9, 0.1]],
    }

    status, body = post_predict([RECORD, RECORD])

    assert status == 200
    assert [p["probabilities"] for p in body["predictions"]] == [
        {"0": 0.3, "1": 0.7},
        {"0": 0.9, "1": 0.1},
    ]
    assert [p["prediction"] for p in body["predictions"]] == [1, 0]


def test_a_regressor_answers_no_probabilities(champion, runtime):
    status, body = post_predict([RECORD])

    assert status == 200
    assert "probabilities" not in body["predictions"][0]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (client_error("ModelError", "Received server error (500) from model"), 502, "ModelError"),
        (client_error("ThrottlingException", "Rate exceeded"), 503, "EndpointUnavailable"),
        (client_error("ServiceUnavailable", "busy"), 503, "EndpointUnavailable"),
        (
            client_error(
                "ValidationError", "Endpoint shadowloop-dev of account 123456789012 not found."
            ),
            503,
            "NoModelDeployed",
        ),
        (ReadTimeoutError(endpoint_url="https://runtime.sagemaker"), 504, "EndpointTimeout"),
    ],
)
def test_endpoint_trouble_answers_with_a_json_error_and_the_request_id(
    champion, runtime, error, status, code, capsys
):
    runtime.error = error
    event = rest_event("POST", "/predict", {"instances": [RECORD]})

    got_status, body = answer(handler(event, LambdaContext()))

    assert (got_status, body["error"]["code"]) == (status, code)
    assert body["request_id"] == event["requestContext"]["requestId"]
    assert "Traceback" not in body["error"]["message"]
    # And the failure is counted where an alarm or dashboard can see it
    out = capsys.readouterr().out
    blobs = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    assert [b["EndpointErrors"] for b in blobs if "EndpointErrors" in b] == [[1.0]]


def test_a_model_answer_without_predictions_is_a_bad_gateway(champion, runtime):
    runtime._predict = lambda instances: []

    status, body = post_predict([RECORD, RECORD])

    assert status == 502
    assert body["error"]["message"] == "the model returned 0 predictions for 2 records"


def test_a_failure_inside_the_service_is_a_500_without_details(aws, runtime, monkeypatch):
    # The inferences table is gone: an internal fault, not the caller's.
    monkeypatch.setenv("INFERENCE_TABLE", "missing-table")
    deploy(register_package(LINEAGE))

    status, body = post_predict([RECORD])

    assert status == 500
    assert body["error"]["code"] == "InternalError"
    assert "missing-table" not in body["error"]["message"]


def _item(inference_id: str) -> dict:
    return boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"inference_id": {"S": inference_id}}
    )["Item"]


def test_an_instance_too_large_to_record_is_refused_before_the_model_runs(
    champion, runtime, monkeypatch
):
    # Given a record limit below the size of the second instance
    monkeypatch.setattr(inferences, "MAX_INPUT_BYTES", 200)
    records = [RECORD, {**RECORD, "city_zone": "z" * 300}]

    # When the batch is predicted
    status, body = post_predict(records)

    # Then it is a 413 naming the instance, the endpoint was not asked, nothing was recorded
    assert status == 413
    assert body["error"]["code"] == "PayloadTooLarge"
    assert body["error"]["message"].startswith("instance 1 is ")
    assert body["error"]["message"].endswith("bytes once recorded; the limit is 200 bytes")
    assert runtime.requests == []
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Count"] == 0
