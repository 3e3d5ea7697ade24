"""GET /inferences/{inference_id} against moto: the record, its model's lineage, 404 and 400."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest

from lambdas.api import inferences
from lambdas.api.handler import handler
from lambdas.api.inferences import Inference
from tests.integration.api.conftest import LINEAGE, TABLE
from tests.integration.api.events import LambdaContext, answer, rest_event

RECORD = {"distance_km": 4.2, "hour": 18, "city_zone": "north"}


def get_inference(inference_id: str):
    return answer(handler(rest_event("GET", f"/inferences/{inference_id}"), LambdaContext()))


@pytest.fixture
def predicted(champion, runtime) -> dict:
    """One prediction made through the API: the /predict answer."""
    runtime._predict = lambda instances: [27.318402716395703] * len(instances)
    status, body = answer(
        handler(rest_event("POST", "/predict", {"instances": [RECORD]}), LambdaContext())
    )
    assert status == 200
    return body


def test_a_prediction_is_explained_by_its_record_and_its_model_lineage(champion, predicted):
    # Given a prediction and its package approved by a named person
    (prediction,) = predicted["predictions"]
    boto3.client("sagemaker").update_model_package(
        ModelPackageArn=champion,
        ModelApprovalStatus="Approved",
        ApprovalDescription="approved by risk review",
        CustomerMetadataProperties={
            **LINEAGE,
            "approved_by": "arn:aws:sts::123456789012:assumed-role/risk/alice",
            "approved_at": "2026-03-01T09:30:15+00:00",
            "approval_reason": "risk review 42 passed",
        },
    )

    # When its record is read
    status, body = get_inference(prediction["inference_id"])

    # Then it holds what the model was given and said, and which model that was
    assert status == 200, body
    assert body["inference_id"] == prediction["inference_id"]
    assert body["input"] == RECORD
    assert body["prediction"] == 27.318402716395703
    assert body["variant"] == "champion"
    assert body["model_package_arn"] == champion
    assert body["version_id"] == LINEAGE["version_id"]
    assert body["code_version"] == LINEAGE["code_version"]
    assert body["expires_at"] > body["predicted_at"]
    # And the model's lineage and approval as the registry has them
    model = body["model"]
    assert model["model_package_arn"] == champion
    assert model["version"] == 1
    assert model["approval_status"] == "Approved"
    assert model["approved_by"] == "arn:aws:sts::123456789012:assumed-role/risk/alice"
    assert model["approved_at"] == "2026-03-01T09:30:15+00:00"
    assert model["approval_reason"] == "risk review 42 passed"
    assert model["model_data_url"] == "s3://shadowloop-dev-artifacts/runs/r/model.tar.gz"
    assert model["lineage"]["dataset"] == "delivery-eta"
    assert model["lineage"]["version_id"] == LINEAGE["version_id"]
    assert model["lineage"]["code_version"] == "a1b2c3d"
    assert model["lineage"]["run_id"] == LINEAGE["run_id"]


def test_a_package_without_an_approver_says_so(predicted):
    status, body = get_inference(predicted["predictions"][0]["inference_id"])

    assert status == 200
    assert body["model"]["approval_status"] == "Approved"
    assert body["model"]["approved_by"] is None and body["model"]["approval_reason"] is None


def test_a_record_whose_package_is_gone_still_answers(aws):
    # Given a record of a package the registry no longer has
    gone = "arn:aws:sagemaker:us-east-1:123456789012:model-package/shadowloop-dev-delivery-eta/9"
    now = datetime.now(UTC)
    record = Inference(
        inference_id="c" * 32,
        batch_id="d" * 32,
        variant="champion",
        model_package_arn=gone,
        version_id="v1",
        code_version="a1b2c3d",
        input=inferences.encode_input(0, RECORD),
        prediction=12.5,
        predicted_at=now,
        expires_at=inferences.expiry(now, 365),
    )
    inferences.put_all(boto3.client("dynamodb"), TABLE, [record])

    # When it is read, the record answers and the model is unknown
    status, body = get_inference("c" * 32)

    assert status == 200, body
    assert body["model_package_arn"] == gone and body["model"] is None
    assert body["input"] == RECORD and body["prediction"] == 12.5


def test_an_unknown_id_is_404_with_a_clear_message(aws):
    status, body = get_inference("0" * 32)

    assert status == 404
    assert body["error"] == {
        "code": "UnknownInference",
        "message": f"inference_id '{'0' * 32}' is unknown (never predicted, or past its retention)",
    }
    assert body["request_id"]


@pytest.mark.parametrize("malformed", ["abc.def", "x" * 129, "a%20b", "it's"])
def test_a_malformed_id_is_400_naming_it(aws, malformed):
    status, body = get_inference(malformed)

    assert status == 400
    assert body["error"]["code"] == "InvalidInferenceId"
    assert body["error"]["message"].endswith(
        "is malformed: expected 1-128 letters, digits, '_' or '-'"
    )


def test_an_unrelated_item_in_the_table_is_not_a_record_of_another_id(predicted):
    # The record is found by its own key only: a near-miss id is unknown.
    inference_id = predicted["predictions"][0]["inference_id"]
    assert boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"inference_id": {"S": inference_id}}
    )["Item"]

    status, _ = get_inference(inference_id[:-1])

    assert status == 404
