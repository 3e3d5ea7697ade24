"""Drift statistics on local files, as ``shadowloop baseline`` and ``shadowloop drift`` run them."""

import pytest

from shadowloop.ops import drift, examples


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("drift")
    examples.generate("baseline", rows=2000, seed=0).to_csv(root / "train.csv", index=False)
    examples.generate("baseline", rows=800, seed=1).to_csv(root / "calm.csv", index=False)
    examples.generate("monsoon", rows=800, seed=2).to_csv(root / "monsoon.csv", index=False)
    baseline, _ = drift.baseline(root / "train.csv", target="delivery_minutes")
    drift.write_json(root / "statistics.json", baseline)
    return root


def test_the_baseline_infers_each_column_and_leaves_the_target_out(files):
    baseline, features = drift.baseline(
        files / "train.csv", target="delivery_minutes", categorical=frozenset({"weekday"})
    )

    kinds = {f.name: f.type for f in features}
    assert kinds["city_zone"] == "categorical" and kinds["weekday"] == "categorical"
    assert kinds["rain_mm"] == "numeric"
    assert "delivery_minutes" not in kinds
    assert baseline["dataset"]["item_count"] == 2000


def test_monsoon_orders_drift_and_calm_ones_do_not(files):
    thresholds = drift.thresholds({})

    def report(current):
        return drift.compare(
            files / "statistics.json",
            files / current,
            thresholds=thresholds,
            critical=frozenset({"rain_mm"}),
        )

    calm, monsoon = report("calm.csv"), report("monsoon.csv")

    assert calm["drifted"] is False and calm["features"]["rain_mm"]["drifted"] is False
    assert monsoon["drifted"] is True and "rain_mm" in monsoon["drifted_features"]


def test_bad_input_is_one_line_naming_it(files, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")

    with pytest.raises(drift.DriftInputError, match="bad.json: not a JSON document"):
        drift.compare(tmp_path / "bad.json", files / "calm.csv", thresholds=drift.thresholds({}))
    with pytest.raises(drift.DriftInputError, match="unknown threshold 'psi'"):
        drift.thresholds({"psi": 0.1})
    with pytest.raises(drift.DriftInputError, match="no column named 'eta'"):
        drift.baseline(files / "train.csv", target="eta")
