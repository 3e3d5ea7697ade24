"""Drift decisions: detections, no false alarms, data quality and schema mismatches."""

import json

import numpy as np
import pytest

from lambdas.shared.drift import BaselineError, DriftAccumulator, Thresholds, build_baseline
from tests.unit.drift.data import FEATURES, ZONES, delivery_rows


@pytest.fixture(scope="module")
def baseline():
    return json.loads(json.dumps(build_baseline([delivery_rows(50_000, seed=1)], FEATURES)))


def rounded(value):
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return [rounded(v) for v in value] if isinstance(value, list) else value


def check(baseline, *chunks, **report_options):
    accumulator = DriftAccumulator(baseline)
    for chunk in chunks:
        accumulator.add(chunk)
    return accumulator.report(**report_options)


@pytest.mark.parametrize("rows", [200, 1_000, 20_000])
def test_same_distribution_raises_no_alarm(baseline, rows):
    report = check(baseline, delivery_rows(rows, seed=rows), min_rows=200)

    assert report["status"] == "ok"
    assert report["drifted"] is False
    assert not [name for name, f in report["features"].items() if f["drifted"]]


def test_shifted_features_are_detected(baseline):
    report = check(baseline, delivery_rows(5_000, seed=7, shift=0.5), min_rows=200)

    assert report["drifted_features"] == ["distance_km", "rain_mm"]
    assert report["drift_share"] == pytest.approx(0.5)
    assert report["drifted"] is True
    distance = report["features"]["distance_km"]
    assert distance["wasserstein"] > 0.1 and distance["psi_level"] == "alert"
    assert report["features"]["hour"]["drifted"] is False


def test_a_drifted_critical_feature_alone_makes_the_dataset_drifted(baseline):
    current = delivery_rows(5_000, seed=8)
    current["distance_km"] = current["distance_km"] + 2.0

    report = check(baseline, current, critical={"distance_km"}, min_rows=200)

    assert report["drift_share"] == pytest.approx(0.25)
    assert report["critical_drifted"] == ["distance_km"]
    assert report["drifted"] is True
    assert check(baseline, current, min_rows=200)["drifted"] is False


def test_unseen_categories_are_measured_and_drift(baseline):
    report = check(baseline, delivery_rows(4_000, seed=9, zones=[*ZONES, "harbour"]))

    zone = report["features"]["city_zone"]
    assert zone["type"] == "categorical"
    assert zone["unseen_share"] == pytest.approx(0.2, abs=0.02)
    assert zone["linf"] > 0.1 and zone["drifted"] is True


def test_a_small_window_is_insufficient_data_not_drift(baseline):
    report = check(baseline, delivery_rows(150, seed=10, shift=2.0), min_rows=200)

    assert report["status"] == "insufficient_data"
    assert report["rows"] == 150
    assert report["drifted"] is False
    assert report["features"]["distance_km"]["wasserstein"] > 0.1
    assert report["features"]["distance_km"]["drifted"] is False


def test_schema_mismatch_is_reported_per_feature(baseline):
    current = delivery_rows(1_000, seed=11)
    del current["rain_mm"]
    current["tip_eur"] = [1.0] * 1_000

    report = check(baseline, current)

    assert report["features"]["rain_mm"] == {"status": "missing", "drifted": False}
    assert report["features"]["tip_eur"] == {"status": "unexpected", "drifted": False}
    assert report["features"]["hour"]["type"] == "numeric"


def test_the_target_column_is_not_unexpected():
    baseline = build_baseline([delivery_rows(1_000, seed=1)], FEATURES, target="minutes")
    current = delivery_rows(500, seed=2) | {"minutes": [30.0] * 500}

    assert "minutes" not in check(baseline, current)["features"]


def test_chunked_check_equals_one_shot(baseline):
    current = delivery_rows(9_000, seed=12, shift=0.2)
    chunks = [
        {name: values[i : i + 2_000] for name, values in current.items()}
        for i in range(0, 9_000, 2_000)
    ]

    # Bin sums add up in a different order, so compare to 9 decimals.
    assert rounded(check(baseline, *chunks)) == rounded(check(baseline, current))


def test_chunked_baseline_equals_one_shot():
    data = delivery_rows(6_000, seed=13)
    chunks = [
        {name: values[i : i + 1_000] for name, values in data.items()}
        for i in range(0, 6_000, 1_000)
    ]

    assert build_baseline(chunks, FEATURES) == build_baseline([data], FEATURES)


def test_data_quality_counts_missing_type_errors_and_out_of_range(baseline):
    current = {
        "distance_km": ["1.5", "", "abc", "2.0", "1000", None, "NaN", "3"],
        "hour": ["1"] * 8,
        "rain_mm": [0.0] * 8,
        "city_zone": ["north", "", None, "south", "east", "west", "north", "north"],
    }

    distance = check(baseline, current)["features"]["distance_km"]

    assert distance["missing_share"] == pytest.approx(3 / 8)
    assert distance["type_errors"] == 1
    assert distance["out_of_range_share"] == pytest.approx(1 / 4)
    assert check(baseline, current)["features"]["city_zone"]["missing_share"] == pytest.approx(
        2 / 8
    )


def test_csv_strings_and_json_numbers_give_the_same_report(baseline):
    current = delivery_rows(2_000, seed=14)
    as_text = {name: [str(v) for v in values] for name, values in current.items()}

    assert rounded(check(baseline, as_text)) == rounded(check(baseline, current))


def test_ks_pvalue_only_for_small_windows(baseline):
    small = check(baseline, delivery_rows(300, seed=15))["features"]["hour"]
    large = check(baseline, delivery_rows(5_000, seed=15))["features"]["hour"]

    assert 0.0 <= small["ks_pvalue"] <= 1.0
    assert large["ks_pvalue"] is None


def test_thresholds_come_from_the_config_block_and_reject_bad_values():
    block = {"schedule": "rate(1 hour)", "min_rows": 200, "psi_alert": 0.3, "linf": 0.05}

    assert Thresholds.from_dict(block) == Thresholds(psi_alert=0.3, linf=0.05)
    with pytest.raises(ValueError, match="wasserstein"):
        Thresholds.from_dict({"wasserstein": "high"})


def test_a_corrupt_baseline_is_refused_with_the_field_named(baseline):
    broken = json.loads(json.dumps(baseline))
    del broken["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"]

    with pytest.raises(BaselineError, match="sketch"):
        DriftAccumulator(broken)
    with pytest.raises(BaselineError):
        DriftAccumulator({"features": "nope"})


def test_baseline_shape_follows_model_monitor_statistics(baseline):
    numeric, categorical = baseline["features"][0], baseline["features"][3]

    assert baseline["dataset"]["item_count"] == 50_000
    assert numeric["inferred_type"] == "Fractional"
    assert baseline["features"][1]["inferred_type"] == "Integral"
    assert numeric["numerical_statistics"]["common"] == {"num_present": 50_000, "num_missing": 0}
    assert np.isclose(numeric["numerical_statistics"]["mean"], 6.0, atol=0.1)
    assert categorical["inferred_type"] == "String"
    shares = categorical["string_statistics"]["distribution"]["categorical"]["buckets"]
    assert sorted(b["value"] for b in shares) == sorted(ZONES)
