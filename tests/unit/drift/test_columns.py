"""Captured instances as columns, and categories counted a distinct value at a time."""

from __future__ import annotations

from collections import Counter

from lambdas.drift_check.window import _columns
from lambdas.shared.drift.columns import count_categories, to_categories, to_numeric


def test_records_with_every_key_and_records_missing_some_give_the_same_columns():
    full = [{"a": 1, "b": "x"}, {"b": "y", "a": 2}]
    assert {k: list(v) for k, v in _columns(full).items()} == {"a": [1, 2], "b": ["x", "y"]}

    ragged = [{"a": 1}, {"b": "y"}, {"a": 3, "b": None}]
    assert _columns(ragged) == {"a": [1, None, 3], "b": [None, "y", None]}


def test_one_feature_keeps_its_values():
    assert {k: list(v) for k, v in _columns([{"a": 1}, {"a": 2}]).items()} == {"a": [1, 2]}


def test_counted_categories_match_the_labels_row_by_row():
    raw = ["north", " north", 3, 3.0, "3", True, 1, 1.0, None, "NA", float("nan"), "", "south"]
    labels, missing = to_categories(raw)

    assert count_categories(raw) == (Counter(labels), missing)
    assert count_categories(raw)[0]["True"] == 1 and count_categories(raw)[0]["1"] == 2


def test_unhashable_categories_are_still_labelled():
    raw = [["a"], {"b": 1}, "c"]
    labels, missing = to_categories(raw)

    assert count_categories(raw) == (Counter(labels), missing)


def test_a_boolean_in_a_numeric_column_is_a_type_error():
    column = to_numeric([1.0, True, 2.5])

    assert column.values.tolist() == [1.0, 2.5] and column.type_errors == 1
