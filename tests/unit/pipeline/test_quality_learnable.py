"""A dataset no model can learn from fails validation; a single constant feature only warns."""

from __future__ import annotations

import dataclasses

from lambdas.validate_data.quality import check
from tests.unit.pipeline.data import SPEC, SPEC_DICT, TARGET, records, rows, to_csv

FEATURES = [f["name"] for f in SPEC_DICT["features"]]


def test_a_constant_target_is_an_error():
    data = [{**row, TARGET: 30} for row in rows(60)]

    report = check(records(to_csv(data)), SPEC)

    assert not report.passed
    assert report.errors == [
        f"column {TARGET!r} (the target) holds a single value, 30; a model cannot learn from it"
    ]


def test_a_numeric_target_constant_in_value_but_not_in_spelling_is_an_error():
    data = [{**row, TARGET: "30" if i % 2 else "30.0"} for i, row in enumerate(rows(60))]

    assert not check(records(to_csv(data)), SPEC).passed


def test_a_classifier_needs_two_classes():
    spec = dataclasses.replace(SPEC, task="classification", metric="accuracy", direction="maximize")
    data = [{**row, TARGET: "late"} for row in rows(60)]

    report = check(records(to_csv(data)), spec)

    assert report.errors == [
        f"column {TARGET!r} (the target) holds a single value, 'late'; a model cannot learn from it"
    ]


def test_every_feature_constant_is_an_error():
    data = [{**row, **{name: rows(1)[0][name] for name in FEATURES}} for row in rows(60)]

    report = check(records(to_csv(data)), SPEC)

    assert not report.passed
    assert "every feature holds a single value; a model cannot learn from them" in report.errors


def test_one_constant_feature_stays_a_warning():
    data = [{**row, "rain_mm": 0} for row in rows(60)]

    report = check(records(to_csv(data)), SPEC)

    assert report.passed, report.errors
    assert "column 'rain_mm' holds a single value" in report.warnings
