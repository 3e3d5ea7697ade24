"""Input no CSV could hold is refused at the door with a 4xx naming it, never a 5xx."""

from __future__ import annotations

import json

import boto3
import pytest

from lambdas.api.handler import handler
from lambdas.shared import clients
from shadowloop.localcloud.endpoints import LocalEndpoints
from tests.integration.api.events import LambdaContext, answer, rest_event

ZONE = '"city_zone": "north"'


def call(event):
    status, body = answer(handler(event, LambdaContext()))
    return status, body["error"]


def predict_raw(raw: str):
    return call(rest_event("POST", "/predict", raw=raw))


def test_a_lone_surrogate_in_a_feature_is_refused(champion, runtime):
    raw = '{"instances": [{"distance_km": 1, "hour": 2, "city_zone": "\\ud800"}]}'
    status, error = predict_raw(raw)
    assert (status, error["code"]) == (422, "InvalidInput")
    assert error["message"] == (
        "instance 0, 'city_zone': text is not valid Unicode (a lone surrogate)"
    )
    assert runtime.requests == []


def test_a_lone_surrogate_in_the_raw_body_is_refused(aws, runtime):
    raw = '{"instances": [{"distance_km": 1, "hour": 2, "city_zone": "\ud800"}]}'
    status, error = predict_raw(raw)
    assert (status, error) == (
        400,
        {"code": "InvalidJson", "message": "request body is not valid UTF-8"},
    )


def test_json_nested_past_the_limit_is_refused(aws, runtime):
    status, error = predict_raw('{"instances": ' + "[" * 5000 + "]" * 5000 + "}")
    assert (status, error["code"]) == (400, "InvalidJson")
    assert error["message"] == "request body is nested deeper than 16 levels"
    shallow_but_too_deep = '{"instances": ' + "[" * 20 + "]" * 20 + "}"
    assert predict_raw(shallow_but_too_deep)[0] == 400


@pytest.mark.parametrize("digits", [400, 5000])
def test_an_integer_outside_float_range_is_refused(champion, runtime, digits):
    raw = '{"instances": [{"distance_km": ' + "9" * digits + ', "hour": 2, ' + ZONE + "}]}"
    status, error = predict_raw(raw)
    assert (status, error["code"]) == (422, "InvalidInput")
    assert error["message"] == (
        f"request body contains a {digits}-digit integer; numbers must fit a float"
    )
    assert runtime.requests == []


def test_feedback_with_a_huge_actual_is_refused(aws):
    raw = '{"inference_id": "abc", "actual": 1' + "0" * 400 + "}"
    status, error = call(rest_event("POST", "/feedback", raw=raw))
    assert (status, error["code"]) == (422, "InvalidInput")


def test_the_largest_float_sized_integer_is_still_a_number(champion, runtime):
    raw = '{"instances": [{"distance_km": ' + str(10**300) + ', "hour": 2, ' + ZONE + "}]}"
    status, _ = answer(handler(rest_event("POST", "/predict", raw=raw), LambdaContext()))
    assert status == 200
    assert json.loads(runtime.requests[0]["Body"])["instances"][0]["distance_km"] == 10**300


def test_predict_before_the_first_model_is_503_as_sagemaker_answers_it(aws, monkeypatch, tmp_path):
    """The local cloud's runtime answers a missing endpoint exactly as SageMaker does."""
    monkeypatch.setattr(clients, "sagemaker_runtime", lambda: boto3.client("sagemaker-runtime"))
    with LocalEndpoints(tmp_path):
        status, error = predict_raw('{"instances": [{"distance_km": 1, "hour": 2, ' + ZONE + "}]}")
    assert (status, error["code"]) == (503, "NoModelDeployed")
    assert error["message"] == "endpoint 'shadowloop-dev' does not exist yet"


def test_an_integer_just_past_the_largest_float_is_refused(champion, runtime):
    raw = '{"instances": [{"distance_km": ' + "9" * 309 + ', "hour": 2, ' + ZONE + "}]}"
    status, error = predict_raw(raw)
    assert (status, error["code"]) == (422, "InvalidInput")
    assert runtime.requests == []
