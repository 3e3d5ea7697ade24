"""Bad requests through the handler: a 4xx JSON error naming the field and the problem."""

from __future__ import annotations

import base64
import json

import pytest

from lambdas.api.handler import handler
from tests.integration.api.events import LambdaContext, answer, rest_event

RECORD = {"distance_km": 4.2, "hour": 18, "city_zone": "north"}


def call(event):
    status, body = answer(handler(event, LambdaContext()))
    assert body["request_id"] == event["requestContext"]["requestId"]
    return status, body["error"]


@pytest.mark.parametrize(
    ("raw", "status", "code", "message"),
    [
        (
            '{"instances": [',
            400,
            "InvalidJson",
            "request body is not valid JSON: Expecting value (line 1, column 16)",
        ),
        ("[1, 2]", 400, "InvalidBody", "request body must be a JSON object, got an array"),
        ('"text"', 400, "InvalidBody", "request body must be a JSON object, got a string"),
        (
            '{"instances": [{"distance_km": NaN, "hour": 1, "city_zone": "a"}]}',
            422,
            "InvalidInput",
            "request body contains NaN; numbers must be finite",
        ),
        (
            '{"instances": [{"distance_km": Infinity, "hour": 1, "city_zone": "a"}]}',
            422,
            "InvalidInput",
            "request body contains Infinity; numbers must be finite",
        ),
        (
            '{"instances": [{"distance_km": 1e999, "hour": 1, "city_zone": "a"}]}',
            422,
            "InvalidInput",
            "instance 0: feature 'distance_km' must be a number, got Infinity",
        ),
    ],
)
def test_unreadable_bodies_are_refused(api_env, raw, status, code, message):
    assert call(rest_event("POST", "/predict", raw=raw)) == (
        status,
        {"code": code, "message": message},
    )


@pytest.mark.parametrize(
    ("instances", "message"),
    [
        ([], "'instances' is empty; send 1 to 5 records"),
        ([RECORD] * 6, "'instances' has 6 records; the limit is 5"),
        (
            [RECORD, RECORD, {"distance_km": 1.0, "city_zone": "a"}],
            "instance 2: missing feature(s) 'hour'",
        ),
        ([{**RECORD, "weather": "rain"}], "instance 0: unknown feature(s) 'weather'"),
        (
            [RECORD, RECORD, {**RECORD, "hour": "abc"}],
            "instance 2: feature 'hour' must be a number, got \"abc\"",
        ),
        ([{**RECORD, "hour": True}], "instance 0: feature 'hour' must be a number, got true"),
        ([{**RECORD, "city_zone": 3}], "instance 0: feature 'city_zone' must be a string, got 3"),
        ([[4.2, 18, "north"]], "instance 0: expected an object of features, got an array"),
        ({"distance_km": 1}, "'instances' must be a list of records, got an object"),
    ],
)
def test_records_that_do_not_fit_the_model_spec_are_unprocessable(api_env, instances, message):
    event = rest_event("POST", "/predict", {"instances": instances})

    assert call(event) == (422, {"code": "InvalidInput", "message": message})


def test_a_body_without_the_json_content_type_is_unsupported(api_env):
    event = rest_event(
        "POST",
        "/predict",
        raw=json.dumps({"instances": [RECORD]}),
        headers={"Content-Type": "text/csv"},
    )

    assert call(event) == (
        415,
        {
            "code": "UnsupportedMediaType",
            "message": "Content-Type must be application/json, got 'text/csv'",
        },
    )


def test_a_body_over_256_kib_is_too_large(api_env):
    raw = json.dumps({"instances": [{**RECORD, "city_zone": "x" * 300_000}]})

    status, error = call(rest_event("POST", "/predict", raw=raw))

    assert (status, error["code"]) == (413, "PayloadTooLarge")
    assert error["message"] == f"request body is {len(raw)} bytes; the limit is 262144 bytes"


def test_a_base64_body_is_decoded_before_it_is_checked(api_env):
    event = rest_event("POST", "/predict", raw=base64.b64encode(b'{"instances": []}').decode())
    event["isBase64Encoded"] = True

    assert call(event) == (
        422,
        {"code": "InvalidInput", "message": "'instances' is empty; send 1 to 5 records"},
    )


def test_feedback_with_unknown_fields_is_unprocessable(api_env):
    event = rest_event("POST", "/feedback", {"inference_id": "ab", "actual": 1, "extra": 2})

    assert call(event) == (422, {"code": "InvalidInput", "message": "unknown field(s) 'extra'"})


def test_an_unknown_route_is_not_found(api_env):
    assert call(rest_event("GET", "/predictions")) == (
        404,
        {"code": "NotFound", "message": "no route /predictions"},
    )


def test_a_known_route_with_the_wrong_method_is_not_allowed(api_env):
    response = handler(rest_event("GET", "/predict"), LambdaContext())

    status, body = answer(response)
    assert status == 405
    assert body["error"]["message"] == "GET is not allowed on /predict; use POST"
    assert response["multiValueHeaders"]["Allow"] == ["POST"]


def test_a_missing_setting_is_an_internal_error_without_details(api_env, monkeypatch):
    monkeypatch.delenv("MODEL_SPEC")

    status, error = call(rest_event("POST", "/predict", {"instances": [RECORD]}))

    assert (status, error["code"]) == (500, "InternalError")
    assert "MODEL_SPEC" not in error["message"]
