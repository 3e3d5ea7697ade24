"""The committed OpenAPI document is the one the handler's routes generate."""

from __future__ import annotations

import json

from infra.config import load_from_cdk_json
from lambdas.api import openapi
from shadowloop.ops import openapi as configured


def test_the_committed_document_is_current():
    committed = openapi.DOCUMENT.read_text() if openapi.DOCUMENT.exists() else ""

    assert committed == configured.document(), (
        "docs/openapi.json is stale: run python -m shadowloop.ops.openapi"
    )


def test_the_document_names_the_model_features_and_types_feedback_by_task():
    config = load_from_cdk_json()
    document = json.loads(configured.document(config))

    request = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    record = request["schema"]["properties"]["instances"]["items"]
    assert record["required"] == [f.name for f in config.model.features]
    assert record["additionalProperties"] is False
    assert record["properties"]["distance_km"] == {"type": "number"}
    assert record["properties"]["city_zone"] == {"type": "string"}
    feedback = document["paths"]["/feedback"]["post"]["requestBody"]["content"]
    actual = feedback["application/json"]["schema"]["properties"]["actual"]
    assert actual["type"] == "number"  # delivery-eta is a regression model


def test_the_document_describes_every_route_and_the_error_shape():
    document = json.loads(openapi.document())

    assert set(document["paths"]) == {
        "/predict",
        "/feedback",
        "/model",
        "/inferences/{inference_id}",
    }
    predict = document["paths"]["/predict"]["post"]
    assert predict["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "instances"
    ]
    assert {"200", "400", "413", "415", "422", "502", "503", "504"} <= set(predict["responses"])
    assert "201" in document["paths"]["/feedback"]["post"]["responses"]
    lookup = document["paths"]["/inferences/{inference_id}"]["get"]
    assert {"200", "400", "404"} <= set(lookup["responses"])
    assert lookup["parameters"][0]["name"] == "inference_id"
    error = predict["responses"]["422"]["content"]["application/json"]["schema"]
    assert error["required"] == ["error", "request_id"]
