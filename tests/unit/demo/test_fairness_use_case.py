"""The loan-approval table and ``demo --data --group``'s use case, without a cloud."""

from __future__ import annotations

import pandas as pd
import pytest

from infra.config import load_from_cdk_json
from shadowloop.demo import loans, use_cases


def test_the_same_seed_gives_the_same_table():
    first = loans.generate("skewed", rows=300, seed=4)

    pd.testing.assert_frame_equal(first, loans.generate("skewed", rows=300, seed=4))
    assert list(first.columns) == [
        "income",
        "debt_ratio",
        "credit_years",
        "loan_amount",
        "postcode_band",
        "applicant_group",
        "approved",
    ]


def test_the_postcode_is_a_proxy_and_only_the_skewed_labels_hold_group_b_back():
    fair = loans.generate("fair", rows=4000, seed=0)
    skewed = loans.generate("skewed", rows=4000, seed=0)

    # Most of group B lives in the south and west bands, most of A does not
    southwest = fair["postcode_band"].isin(["south", "west"])
    by_group = southwest.groupby(fair["applicant_group"]).mean()
    assert by_group["B"] > 0.8 and by_group["A"] < 0.2
    # The same finances: fair approval rates are alike, skewed ones are not
    fair_rates = fair.groupby("applicant_group")["approved"].mean()
    skewed_rates = skewed.groupby("applicant_group")["approved"].mean()
    assert abs(fair_rates["A"] - fair_rates["B"]) < 0.05
    assert skewed_rates["B"] / skewed_rates["A"] < 0.6
    pd.testing.assert_series_equal(fair["income"], skewed["income"])


def test_an_unknown_variant_is_a_one_line_error():
    with pytest.raises(ValueError, match="^unknown loans variant 'biased'"):
        loans.generate("biased", rows=10, seed=0)


@pytest.fixture
def loans_csv(tmp_path):
    path = tmp_path / "loans.csv"
    loans.generate("fair", rows=400, seed=0).to_csv(path, index=False)
    return path


def test_the_group_is_judged_and_kept_out_of_the_features(loans_csv):
    use_case = use_cases.from_csv(
        load_from_cdk_json(), loans_csv, target="approved", task=None, shifts={}, group=loans.GROUP
    )

    spec = use_case.config.model
    assert spec.task == "classification"
    assert spec.fairness.group == loans.GROUP and spec.fairness.favourable_label == 1
    assert loans.GROUP not in spec.feature_names and "approved" not in spec.feature_names
    assert spec.attributes == [loans.GROUP]
    # Without --shift the story ends at the gate: no drifted or shadow traffic
    assert use_case.drifted_traffic is None and use_case.shadow_traffic is None
    assert (len(use_case.training), len(use_case.calm_traffic)) == (360, 40)


def test_a_missing_group_column_is_named(loans_csv):
    with pytest.raises(ValueError, match="has no column 'gender'"):
        use_cases.from_csv(
            load_from_cdk_json(), loans_csv, target="approved", task=None, shifts={}, group="gender"
        )


def test_labels_other_than_0_1_need_the_favourable_one_named(tmp_path):
    frame = loans.generate("fair", rows=400, seed=0)
    frame["approved"] = frame["approved"].map({1: "yes", 0: "no"})
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)

    def build(favourable):
        return use_cases.from_csv(
            load_from_cdk_json(),
            path,
            target="approved",
            task=None,
            shifts={},
            group=loans.GROUP,
            favourable=favourable,
        )

    with pytest.raises(ValueError, match="^--group needs --favourable LABEL"):
        build(None)
    with pytest.raises(ValueError, match="^--favourable maybe: not a label of the target"):
        build("maybe")
    assert build("yes").config.model.fairness.favourable_label == "yes"
