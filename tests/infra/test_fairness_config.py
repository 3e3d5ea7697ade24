"""The model spec's optional fairness section: parsing, refusals, and its one wire form."""

from __future__ import annotations

import json
import re
import sys

import pytest

from infra.config import CONTEXT_KEY, ROOT, ConfigError, Fairness, load_config, load_from_cdk_json
from lambdas.shared import settings

sys.path.insert(0, str(ROOT / "training"))
import modelspec  # noqa: E402

GROUP = "applicant_group"


def loan_context(**fairness: object) -> dict:
    """The deployed context with a loan-approval model and the given fairness section."""
    document = json.loads((ROOT / "cdk.json").read_text())["context"]
    context = json.loads(json.dumps(document[CONTEXT_KEY]))
    context["model"] = {
        "dataset": "loans",
        "target": "approved",
        "task": "classification",
        "metric": "accuracy",
        "features": [
            {"name": "income", "type": "numeric"},
            {"name": "postcode_band", "type": "categorical"},
        ],
        "fairness": fairness,
    }
    context["gate"] = {"threshold": 0.5, "max_regression": 0.02}
    return context


def test_the_delivery_eta_default_has_fairness_off():
    spec = load_from_cdk_json().model

    assert spec.fairness is None
    assert spec.to_dict()["fairness"] is None
    assert settings.ModelSpec.from_dict(spec.to_dict()).fairness is None


def test_a_fairness_section_gets_the_four_fifths_rule_by_default():
    spec = load_config(loan_context(group=GROUP, favourable_label=1), "dev").model

    assert spec.fairness == Fairness(group=GROUP, favourable_label=1)
    assert spec.fairness.min_disparate_impact == 0.8
    assert spec.attributes == [GROUP]
    assert GROUP not in spec.feature_names


def test_lambdas_and_training_read_the_same_fields_from_the_wire_form():
    spec = load_config(
        loan_context(group=GROUP, favourable_label=1, max_tpr_gap=0.05, min_group_size=50), "dev"
    ).model
    wire = json.loads(spec.to_json())

    lambdas_view = settings.ModelSpec.from_dict(wire).fairness
    training_view = modelspec.parse(wire).fairness

    expected = wire["fairness"]
    assert lambdas_view.__dict__ == training_view.__dict__ == expected
    assert expected["max_tpr_gap"] == 0.05 and expected["min_group_size"] == 50


@pytest.mark.parametrize(
    ("fairness", "field"),
    [
        ({"favourable_label": 1}, "model.fairness.group"),
        ({"group": "income", "favourable_label": 1}, "model.fairness.group"),
        ({"group": "approved", "favourable_label": 1}, "model.fairness.group"),
        ({"group": GROUP, "group_is_feature": True, "favourable_label": 1}, "model.fairness.group"),
        ({"group": GROUP}, "model.fairness.favourable_label"),
        ({"group": GROUP, "favourable_label": 1, "min_disparate_impact": 1.5}, "model.fairness."),
        ({"group": GROUP, "favourable_label": 1, "min_group_size": 0}, "model.fairness."),
        ({"group": GROUP, "favourable_label": 1, "max_error_ratio": 0.5}, "model.fairness."),
        ({"group": GROUP, "favourable_label": 1, "shade": "red"}, "model.fairness.shade"),
    ],
)
def test_a_bad_fairness_section_is_refused_in_one_line_naming_the_field(fairness, field):
    with pytest.raises(ConfigError, match=rf"^{re.escape(field)}") as caught:
        load_config(loan_context(**fairness), "dev")

    assert "\n" not in str(caught.value)


def test_the_group_may_be_a_feature_when_the_config_says_so():
    context = loan_context(group="postcode_band", group_is_feature=True, favourable_label=1)

    spec = load_config(context, "dev").model

    assert spec.fairness.group == "postcode_band"
    assert spec.attributes == []
