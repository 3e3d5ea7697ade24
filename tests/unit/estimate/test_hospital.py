"""The readmission generator's scenarios change what they say they change, and only that."""

import numpy as np
import pandas as pd
import pytest

from shadowloop.demo import hospital

FEATURES = [f.name for f in hospital.FEATURES]


def test_the_same_arguments_give_the_same_patients():
    first = hospital.generate("baseline", rows=500, seed=7)

    pd.testing.assert_frame_equal(first, hospital.generate("baseline", rows=500, seed=7))
    assert list(first.columns) == [*FEATURES, hospital.TARGET]
    assert set(first[hospital.TARGET]) == {0, 1}


def test_concept_drift_keeps_the_patients_and_changes_outcomes_in_one_part_of_the_space():
    baseline = hospital.generate("baseline", rows=20_000, seed=3)
    drifted = hospital.generate("concept_drift", rows=20_000, seed=3)

    # The same draws: identical inputs, so only P(y | x) can differ.
    pd.testing.assert_frame_equal(baseline[FEATURES], drifted[FEATURES])
    affected = (baseline["ward"] == "orthopedics") & (baseline["age"] > 50)
    rate = lambda frame, rows: frame.loc[rows, hospital.TARGET].mean()  # noqa: E731
    assert rate(drifted, affected) - rate(baseline, affected) > 0.4
    pd.testing.assert_series_equal(
        baseline.loc[~affected, hospital.TARGET], drifted.loc[~affected, hospital.TARGET]
    )


def test_covariate_shift_moves_the_inputs_under_the_same_risk():
    baseline = hospital.generate("baseline", rows=20_000, seed=4)
    shifted = hospital.generate("covariate_shift", rows=20_000, seed=4)

    assert shifted["age"].mean() - baseline["age"].mean() > 6
    assert shifted["prior_admissions"].mean() > baseline["prior_admissions"].mean() + 0.3
    assert (shifted["ward"] == "geriatrics").mean() > 2 * (baseline["ward"] == "geriatrics").mean()
    # The same patient carries the same risk in both worlds.
    columns = [shifted[name].to_numpy() for name in FEATURES]
    np.testing.assert_array_equal(
        hospital.readmission_logit(hospital.world("baseline"), *columns),
        hospital.readmission_logit(hospital.world("covariate_shift"), *columns),
    )
    # And the shifted intake is riskier on the whole.
    assert shifted[hospital.TARGET].mean() > baseline[hospital.TARGET].mean() + 0.1


def test_an_unknown_scenario_is_named():
    with pytest.raises(ValueError, match="unknown scenario 'flood'"):
        hospital.generate("flood")


def test_another_hospital_has_its_own_ward_mix_in_every_scenario():
    shares = (0.2, 0.15, 0.1, 0.45, 0.1)
    baseline = hospital.generate("baseline", rows=20_000, seed=5, ward_shares=shares)
    drifted = hospital.generate("concept_drift", rows=20_000, seed=5, ward_shares=shares)

    assert (baseline["ward"] == "orthopedics").mean() == pytest.approx(0.45, abs=0.02)
    pd.testing.assert_frame_equal(baseline[FEATURES], drifted[FEATURES])


def test_ward_shares_must_name_every_ward():
    with pytest.raises(ValueError, match="ward_shares must be 5 non-negative shares"):
        hospital.generate("baseline", ward_shares=(0.5, 0.5))
