"""API Gateway's own refusals, through the local gateway serving the synthesized API.

The bodies come from the deployed GatewayResponse templates and must match the error
schema the OpenAPI document gives for those statuses.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import jsonschema

from lambdas.api import openapi
from shadowloop.localcloud.apigateway import MAX_PAYLOAD_BYTES


def _call(url: str, method: str, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _documented(status: int) -> dict:
    document = json.loads(openapi.DOCUMENT.read_text())
    answer = document["paths"]["/predict"]["post"]["responses"][str(status)]
    schema = answer["content"]["application/json"]["schema"]
    return {**schema, "components": document.get("components", {})}


def test_gateway_refusals_come_in_the_documented_error_shape(api_url):
    # An unauthenticated request to no route, and a body over API Gateway's 10 MB
    missing, missing_body = _call(f"{api_url}/no-such-route", "GET")
    large, large_body = _call(f"{api_url}/predict", "POST", b" " * (MAX_PAYLOAD_BYTES + 1))

    assert missing == 403
    jsonschema.validate(missing_body, _documented(403))
    assert missing_body["error"] == {
        "code": "MissingAuthenticationToken",
        "message": "Missing Authentication Token",
    }
    assert large == 413
    jsonschema.validate(large_body, _documented(413))
    assert large_body["error"]["code"] == "PayloadTooLarge"
    assert str(MAX_PAYLOAD_BYTES) in large_body["error"]["message"]
