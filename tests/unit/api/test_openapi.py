"""The committed OpenAPI document is the one the handler's routes generate."""

from __future__ import annotations

import json

from lambdas.api import openapi


def test_the_committed_document_is_current():
    committed = openapi.DOCUMENT.read_text() if openapi.DOCUMENT.exists() else ""

    assert committed == openapi.document(), (
        "docs/openapi.json is stale: run python -m lambdas.api.openapi"
    )


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
