import dataclasses
import json

import inference
import modelspec
import numpy as np
import pytest
from modelfiles import TrainedModel

ORDER = {
    "distance_km": 3.2,
    "hour": 19,
    "weekday": 4,
    "rain_mm": 0.0,
    "traffic_index": 5.5,
    "prep_minutes": 12.0,
    "items": 2,
    "city_zone": "centre",
}


@pytest.fixture(scope="module")
def model(spec, baseline_pipeline):
    return TrainedModel(pipeline=baseline_pipeline, spec=spec, metadata={})


def _answer(model, body, content_type="application/json", accept="application/json"):
    request = inference.input_fn(body, content_type)
    return inference.output_fn(inference.predict_fn(request, model), accept)


def test_json_instances_get_one_prediction_each_with_their_ids(model):
    wet = {**ORDER, "rain_mm": 12.0, "traffic_index": 9.0}
    body = json.dumps({"instances": [ORDER, wet], "inference_ids": ["a", "b"]})

    answer, content_type = _answer(model, body.encode())

    document = json.loads(answer)
    assert content_type == "application/json"
    assert document["inference_ids"] == ["a", "b"]
    dry_minutes, wet_minutes = document["predictions"]
    assert 10 < dry_minutes < 60
    assert wet_minutes > dry_minutes


def test_a_bare_list_and_csv_rows_give_the_same_predictions(model, spec):
    row = ",".join(str(ORDER[name]) for name in spec.feature_names)

    from_json = json.loads(_answer(model, json.dumps([ORDER]))[0])["predictions"]
    from_csv, content_type = _answer(model, f"{row}\n{row}\n", "text/csv", "text/csv")

    assert content_type == "text/csv"
    assert [float(line) for line in from_csv.splitlines()] == pytest.approx(from_json * 2)


def test_null_and_empty_values_are_imputed(model, spec):
    row = ",".join("" if name == "rain_mm" else str(ORDER[name]) for name in spec.feature_names)

    answer = json.loads(_answer(model, json.dumps([{**ORDER, "city_zone": None}]))[0])
    from_csv = _answer(model, row, "text/csv", "text/csv")[0]

    assert np.isfinite(answer["predictions"][0])
    assert np.isfinite(float(from_csv))


@pytest.mark.parametrize(
    ("instances", "message"),
    [
        (
            [ORDER, ORDER, {k: v for k, v in ORDER.items() if k != "rain_mm"}],
            "instance 2: missing feature 'rain_mm'",
        ),
        ([{**ORDER, "hour": "abc"}], "instance 0: feature 'hour' must be a number, got 'abc'"),
        ([ORDER, {**ORDER, "colour": "red"}], "instance 1: unknown feature 'colour'"),
        ([{**ORDER, "items": True}], "instance 0: feature 'items' must be a number, got True"),
        (
            [{**ORDER, "distance_km": "inf"}],
            "instance 0: feature 'distance_km' must be a finite number, got 'inf'",
        ),
        (["3.2,19"], "instance 0: expected an object of feature values"),
    ],
)
def test_a_bad_instance_is_named_in_one_line(model, instances, message):
    request = inference.input_fn(json.dumps({"instances": instances}), "application/json")

    with pytest.raises(inference.RequestError) as error:
        inference.predict_fn(request, model)

    assert str(error.value) == message


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (
            "<order/>",
            "text/xml",
            "unsupported content type 'text/xml' (use application/json or text/csv)",
        ),
        ('{"instances": [{"rain_mm": NaN}]}', "application/json", "NaN is not allowed"),
        ('{"instances": [{"rain_mm": Infinity}]}', "application/json", "Infinity is not allowed"),
        ('{"instances": [', "application/json", "request body is not valid JSON"),
        ('{"orders": []}', "application/json", 'expected {"instances"'),
        ('{"instances": []}', "application/json", "the request holds no instances"),
        (
            '{"instances": [{}], "inference_ids": ["a", "b"]}',
            "application/json",
            "inference_ids: expected 1 (one per instance), got 2",
        ),
        (b"\xff\xfe", "text/csv", "request body is not UTF-8 text"),
    ],
)
def test_a_bad_request_body_is_refused_in_one_line(body, content_type, message):
    with pytest.raises(inference.RequestError) as error:
        inference.input_fn(body, content_type)

    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_csv_row_with_the_wrong_width_says_what_is_expected(model):
    request = inference.input_fn("3.2,19\n", "text/csv; charset=utf-8")

    with pytest.raises(inference.RequestError, match="instance 0: expected 8 values .* got 2"):
        inference.predict_fn(request, model)


def test_an_unsupported_accept_type_is_refused(model):
    prediction = inference.predict_fn(
        inference.input_fn(json.dumps([ORDER]), "application/json"), model
    )

    assert inference.output_fn(prediction, "*/*")[1] == "application/json"
    with pytest.raises(inference.UnsupportedAccept, match="unsupported accept type 'image/png'"):
        inference.output_fn(prediction, "image/png")


def test_a_classifier_answers_labels_with_class_probabilities(late_spec, late_pipeline):
    model = TrainedModel(pipeline=late_pipeline, spec=late_spec, metadata={})
    far = {**ORDER, "distance_km": 15.0, "traffic_index": 9.5}

    document = json.loads(_answer(model, json.dumps([ORDER, far]))[0])

    assert document["classes"] == [False, True]
    assert document["predictions"] == [False, True]
    assert all(sum(row) == pytest.approx(1.0) for row in document["probabilities"])


def test_the_fairness_group_rides_along_but_the_model_ignores_it(spec, baseline_pipeline):
    # Given a model whose spec names a fairness group that is no feature
    fair_spec = dataclasses.replace(spec, fairness=modelspec.Fairness(group="courier_group"))
    model = TrainedModel(pipeline=baseline_pipeline, spec=fair_spec, metadata={})

    # When the same order comes with each group, and without one
    answers = [
        json.loads(_answer(model, json.dumps({"instances": [{**ORDER, **extra}]}))[0])
        for extra in ({"courier_group": "a"}, {"courier_group": "b"}, {})
    ]

    # Then the prediction is the same: the model never reads the group
    assert answers[0]["predictions"] == answers[1]["predictions"] == answers[2]["predictions"]
    with pytest.raises(inference.RequestError, match="unknown feature 'courier_group'"):
        _answer(
            TrainedModel(pipeline=baseline_pipeline, spec=spec, metadata={}),
            json.dumps({"instances": [{**ORDER, "courier_group": "a"}]}),
        )
