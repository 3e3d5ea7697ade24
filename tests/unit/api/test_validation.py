"""The request checks as pure functions."""

from __future__ import annotations

import pytest

from lambdas.api import errors, validation
from lambdas.shared.settings import Feature, ModelSpec

SPEC = ModelSpec(
    dataset="delivery-eta",
    target="delivery_minutes",
    task="regression",
    metric="rmse",
    direction="minimize",
    features=(Feature("distance_km", "numeric"), Feature("city_zone", "categorical")),
)


def parse(body, content_type="application/json", **kwargs):
    return validation.parse_body(body, content_type=content_type, **kwargs)


def test_parse_body_accepts_json_with_a_charset():
    assert parse('{"a": 1}', "Application/JSON; charset=utf-8") == {"a": 1}


@pytest.mark.parametrize(
    ("body", "content_type", "error", "message"),
    [
        (None, "application/json", errors.InvalidBody, "request body is empty; send a JSON object"),
        (
            "{}",
            None,
            errors.UnsupportedMediaType,
            "Content-Type must be application/json, got none",
        ),
        ("{", "application/json", errors.InvalidJson, "request body is not valid JSON"),
        ("null", "application/json", errors.InvalidBody, "must be a JSON object, got null"),
        ('{"x": -Infinity}', "application/json", errors.InvalidInput, "contains -Infinity"),
    ],
)
def test_parse_body_refuses(body, content_type, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        parse(body, content_type)


def test_parse_body_limits_the_size_in_bytes():
    body = '{"city": "' + "é" * 60 + '"}'  # 60 characters, 120 bytes

    with pytest.raises(errors.PayloadTooLarge, match="is 132 bytes; the limit is 100 bytes"):
        parse(body, max_bytes=100)


def test_parse_body_refuses_base64_that_does_not_decode():
    with pytest.raises(errors.InvalidBody, match="flagged base64"):
        parse("not base64!", base64_encoded=True)


def test_instances_keep_exactly_the_spec_features_in_spec_order():
    records = validation.instances(
        {"instances": [{"city_zone": "north", "distance_km": 3}]}, SPEC, max_batch=10
    )

    assert records == [{"distance_km": 3, "city_zone": "north"}]
    assert list(records[0]) == ["distance_km", "city_zone"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"distance_km": None, "city_zone": "a"},
            "feature 'distance_km' must be a number, got null",
        ),
        (
            {"distance_km": False, "city_zone": "a"},
            "feature 'distance_km' must be a number, got false",
        ),
        (
            {"distance_km": "1.5", "city_zone": "a"},
            "feature 'distance_km' must be a number, got \"1.5\"",
        ),
        ({"distance_km": 1, "city_zone": None}, "feature 'city_zone' must be a string, got null"),
        (
            {"distance_km": 1, "city_zone": ["a"]},
            "feature 'city_zone' must be a string, got [\"a\"]",
        ),
        ({}, "missing feature(s) 'distance_km', 'city_zone'"),
        ({"distance_km": 1, "city_zone": "a", "z": 1, "y": 2}, "unknown feature(s) 'z', 'y'"),
    ],
)
def test_a_record_error_names_the_instance_and_the_feature(raw, message):
    with pytest.raises(errors.InvalidInput) as caught:
        validation.record(7, raw, SPEC)

    assert str(caught.value) == f"instance 7: {message}"


def test_long_values_are_shortened_in_messages():
    with pytest.raises(errors.InvalidInput) as caught:
        validation.record(0, {"distance_km": "x" * 500, "city_zone": "a"}, SPEC)

    assert str(caught.value) == (
        "instance 0: feature 'distance_km' must be a number, got " + '"' + "x" * 36 + "..."
    )


def test_instances_must_be_within_the_batch_limit():
    with pytest.raises(errors.InvalidInput, match="'instances' has 3 records; the limit is 2"):
        validation.instances({"instances": [{}] * 3}, SPEC, max_batch=2)


def test_instances_refuse_unknown_top_level_fields():
    with pytest.raises(errors.InvalidInput, match="unknown field\\(s\\) 'records'"):
        validation.instances({"instances": [], "records": []}, SPEC, max_batch=2)


@pytest.mark.parametrize(
    ("task", "actual"),
    [("regression", 41.5), ("regression", 40), ("classification", "late"), ("classification", 1)],
)
def test_feedback_accepts_the_actual_the_task_allows(task, actual):
    received = validation.feedback({"inference_id": "a1b2", "actual": actual}, task)

    assert received == validation.Feedback(inference_id="a1b2", actual=actual)


@pytest.mark.parametrize(
    ("document", "task", "message"),
    [
        ({"inference_id": "a1", "actual": "late"}, "regression", "'actual' must be a number"),
        (
            {"inference_id": "a1", "actual": True},
            "regression",
            "'actual' must be a number, got true",
        ),
        ({"inference_id": "a1", "actual": ""}, "classification", "a number or a non-empty string"),
        ({"inference_id": "a1"}, "regression", "'actual' is missing"),
        (
            {"actual": 1},
            "regression",
            "'inference_id' must be the id returned by /predict, got null",
        ),
        ({"inference_id": "../x", "actual": 1}, "regression", "'inference_id' must be the id"),
    ],
)
def test_feedback_refuses(document, task, message):
    with pytest.raises(errors.InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        validation.feedback(document, task)
