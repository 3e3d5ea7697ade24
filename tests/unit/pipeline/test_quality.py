"""The data-quality checks ValidateData applies to a dataset version."""

import dataclasses

from lambdas.shared.settings import Fairness
from lambdas.validate_data.quality import Limits, check
from tests.unit.pipeline.data import COLUMNS, SPEC, TARGET, records, rows, to_csv


def test_clean_dataset_passes_with_column_profiles():
    report = check(records(to_csv(rows(60))), SPEC)

    assert report.passed, report.errors
    assert report.rows == 60
    assert set(report.columns) == set(COLUMNS)
    distance = report.columns["distance_km"]
    assert distance["type"] == "numeric" and distance["role"] == "feature"
    assert 0.5 <= distance["min"] <= distance["max"] <= 12
    assert report.columns["city_zone"]["distinct"] == 4
    assert report.columns[TARGET]["role"] == "target"


def test_missing_target_column_is_named():
    report = check(records(to_csv(rows(60), [c for c in COLUMNS if c != TARGET])), SPEC)

    assert not report.passed
    assert report.errors == ["missing target column 'delivery_minutes'"]
    assert report.rows == 60
    assert TARGET not in report.columns
    assert report.columns["rain_mm"]["min"] is not None


def test_missing_feature_column_is_named():
    report = check(records(to_csv(rows(60), [c for c in COLUMNS if c != "rain_mm"])), SPEC)

    assert "missing feature column 'rain_mm'" in report.errors


def test_text_in_numeric_column_names_column_and_spreadsheet_rows():
    data = rows(60)
    for index in (2, 7, 15):
        data[index]["rain_mm"] = "heavy"

    report = check(records(to_csv(data)), SPEC)

    # Data row i sits on spreadsheet row i + 2 (the header is row 1).
    assert report.errors == ["column 'rain_mm': 3 values are not numbers (rows 4, 9, 17)"]
    assert report.columns["rain_mm"]["invalid"] == 3


def test_infinite_values_are_errors():
    data = rows(60)
    data[0]["traffic_index"] = "inf"

    report = check(records(to_csv(data)), SPEC)

    assert report.errors == ["column 'traffic_index': 1 value is infinite (row 2)"]


def test_target_must_never_be_missing():
    data = rows(60)
    data[3][TARGET] = ""

    report = check(records(to_csv(data)), SPEC)

    assert report.errors == [
        "column 'delivery_minutes': 1 value missing (row 5); the target must never be missing"
    ]


def test_feature_missing_share_warns_under_the_limit_and_fails_over_it():
    few, many = rows(100), rows(100)
    for index in range(3):
        few[index]["hour"] = ""
    for index in range(10):
        many[index]["hour"] = "NA"

    warned = check(records(to_csv(few)), SPEC)
    failed = check(records(to_csv(many)), SPEC)

    assert warned.passed
    assert "column 'hour': 3 values missing (3.0%)" in warned.warnings
    assert failed.errors[0].startswith(
        "column 'hour': 10.0% of values missing (rows 2, 3, 4, 5, 6, ...)"
    )


def test_too_few_rows_fail():
    report = check(records(to_csv(rows(10))), SPEC)

    assert report.errors == ["only 10 rows; at least 50 are needed"]


def test_duplicates_warn_then_fail_above_half():
    data = rows(60)
    some = data + data[:5]
    mostly = data[:1] * 60

    assert check(records(to_csv(some)), SPEC).warnings[0] == "5 duplicate rows (7.7%)"
    assert any("59 duplicate rows" in e for e in check(records(to_csv(mostly)), SPEC).errors)


def test_ragged_rows_and_empty_file():
    data = records(to_csv(rows(60)))
    data[4] = data[4][:-2]

    assert check(data, SPEC).errors[0] == "1 row does not have 9 fields like the header (row 5)"
    assert check([], SPEC).errors == ["the file is empty: no header row"]


def test_extra_columns_are_warned_about_and_limits_are_configurable():
    data = [dict(r, courier="c1") for r in rows(20)]

    report = check(records(to_csv(data, [*COLUMNS, "courier"])), SPEC, Limits(min_rows=10))

    assert report.passed
    assert "column 'courier' is not in the model spec; training ignores it" in report.warnings


def test_the_fairness_group_column_is_required_and_not_warned_about():
    spec = dataclasses.replace(SPEC, fairness=Fairness(group="courier_group"))
    data = rows(60)
    with_group = [{**row, "courier_group": "a" if i % 2 else "b"} for i, row in enumerate(data)]

    present = check(records(to_csv(with_group, [*COLUMNS, "courier_group"])), spec)
    missing = check(records(to_csv(data)), spec)

    assert present.passed, present.errors
    assert present.warnings == []
    assert missing.errors == ["missing fairness group column 'courier_group'"]
