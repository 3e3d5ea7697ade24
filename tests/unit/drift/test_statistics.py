"""The summary statistics against exact computations on the raw data."""

import json

import numpy as np
import pytest
from scipy import stats

from lambdas.shared.drift import DriftAccumulator, build_baseline
from lambdas.shared.drift.statistics import kolmogorov_survival
from tests.unit.drift.data import FEATURES, delivery_rows


@pytest.fixture(scope="module")
def raw_baseline():
    return delivery_rows(200_000, seed=1)


@pytest.fixture(scope="module")
def baseline(raw_baseline):
    # A JSON round trip, as the baseline travels through S3.
    return json.loads(json.dumps(build_baseline([raw_baseline], FEATURES)))


@pytest.mark.parametrize("shift", [0.0, 0.1, 0.3])
def test_ks_is_within_1e3_of_the_exact_statistic(raw_baseline, baseline, shift):
    current = delivery_rows(100_000, seed=2, shift=shift)
    accumulator = DriftAccumulator(baseline)
    accumulator.add(current)
    report = accumulator.report()
    for name in ("distance_km", "hour", "rain_mm"):
        exact = stats.ks_2samp(raw_baseline[name], current[name]).statistic
        assert report["features"][name]["ks"] == pytest.approx(exact, abs=1e-3), name


def test_psi_equals_the_exact_psi_on_the_same_bins(raw_baseline, baseline):
    current = delivery_rows(50_000, seed=3, shift=0.2)
    accumulator = DriftAccumulator(baseline)
    accumulator.add(current)
    buckets = baseline["features"][0]["numerical_statistics"]["distribution"]["kll"]["buckets"]
    inner = [b["upper_bound"] for b in buckets[:-1]]

    def shares(values):
        counts = np.bincount(np.searchsorted(inner, values), minlength=len(buckets))
        return np.clip(counts / counts.sum(), 1e-4, None)

    b, c = shares(raw_baseline["distance_km"]), shares(current["distance_km"])
    exact = float(np.sum((c - b) * np.log(c / b)))
    assert accumulator.report()["features"]["distance_km"]["psi"] == pytest.approx(exact, rel=1e-9)
    assert len(buckets) == 10


def test_normalised_wasserstein_is_close_to_the_exact_distance(raw_baseline, baseline):
    current = delivery_rows(50_000, seed=4, shift=0.25)
    accumulator = DriftAccumulator(baseline)
    accumulator.add(current)
    for name in ("distance_km", "hour", "rain_mm"):
        exact = stats.wasserstein_distance(raw_baseline[name], current[name])
        exact /= raw_baseline[name].std()
        got = accumulator.report()["features"][name]["wasserstein"]
        assert got == pytest.approx(exact, abs=1e-3), name


def test_kolmogorov_survival_matches_scipy():
    for lam in (0.3, 0.6, 1.0, 1.36, 2.0):
        assert kolmogorov_survival(lam) == pytest.approx(stats.kstwobign.sf(lam), abs=1e-9)


def test_a_feature_summary_stays_near_3_kb(baseline):
    sizes = [len(json.dumps(f)) for f in baseline["features"]]
    assert max(sizes) < 4096
