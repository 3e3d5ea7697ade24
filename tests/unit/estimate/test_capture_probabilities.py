"""Capture lines of a classifier keep each record's probability row."""

from datetime import UTC, datetime

from lambdas.shared import capture

REQUEST = {"instances": [{"age": 70}, {"age": 40}, {"age": 55}], "inference_ids": ["a", "b", "c"]}


def _records(response):
    line = capture.encode_line(
        REQUEST,
        response,
        event_id="e1",
        inference_id="batch",
        inference_time=datetime(2026, 1, 1, 10, tzinfo=UTC),
    )
    return capture.parse_line(line)


def test_each_record_carries_its_probabilities_and_the_classes():
    records = _records(
        {
            "predictions": [1, 0, 0],
            "classes": [0, 1],
            "probabilities": [[0.2, 0.8], [0.9, 0.1], [0.6, 0.4]],
        }
    )

    assert [r.probabilities for r in records] == [[0.2, 0.8], [0.9, 0.1], [0.6, 0.4]]
    assert all(r.classes == [0, 1] for r in records)
    assert [r.output for r in records] == [1, 0, 0]


def test_a_malformed_row_loses_only_its_probabilities():
    records = _records(
        {
            "predictions": [1, 0, 0],
            "classes": [0, 1],
            "probabilities": [[0.2, 0.8], [0.9], [1.5, -0.5]],
        }
    )

    assert [r.probabilities for r in records] == [[0.2, 0.8], None, None]
    assert [r.classes for r in records] == [[0, 1], None, None]
    assert [r.output for r in records] == [1, 0, 0]


def test_a_regressor_has_no_probabilities():
    records = _records({"predictions": [21.0, 30.5, 12.0]})

    assert all(r.probabilities is None and r.classes is None for r in records)
    assert [r.output for r in records] == [21.0, 30.5, 12.0]
