"""POST /predict records may carry the fairness group beside the features."""

from __future__ import annotations

import dataclasses

import pytest

from lambdas.api import errors, validation
from lambdas.shared.settings import Fairness, Feature, ModelSpec

SPEC = ModelSpec(
    dataset="loans",
    target="approved",
    task="classification",
    metric="accuracy",
    direction="maximize",
    features=(Feature("income", "numeric"), Feature("postcode_band", "categorical")),
    fairness=Fairness(group="applicant_group", favourable_label=1),
)


def test_the_group_is_kept_with_the_record_for_capture():
    record = validation.record(
        0, {"income": 41.0, "postcode_band": "south", "applicant_group": "B"}, SPEC
    )

    assert record == {"income": 41.0, "postcode_band": "south", "applicant_group": "B"}


def test_the_group_is_optional():
    assert validation.record(0, {"income": 41.0, "postcode_band": "south"}, SPEC) == {
        "income": 41.0,
        "postcode_band": "south",
    }


def test_a_group_that_is_no_scalar_is_refused_naming_it():
    raw = {"income": 41.0, "postcode_band": "south", "applicant_group": ["B"]}

    with pytest.raises(errors.InvalidInput, match=r"^instance 0: attribute 'applicant_group'"):
        validation.record(0, raw, SPEC)


def test_without_fairness_the_group_is_an_unknown_feature():
    spec = dataclasses.replace(SPEC, fairness=None)
    raw = {"income": 41.0, "postcode_band": "south", "applicant_group": "B"}

    with pytest.raises(errors.InvalidInput, match="unknown feature\\(s\\) 'applicant_group'"):
        validation.record(0, raw, spec)
