"""Training's own spec parser and the deployed side's class read model-spec.json alike."""

from dataclasses import asdict

import modelspec
import pytest

from lambdas.shared.contracts.model_spec import ModelSpec

FULL = {
    "dataset": "loan-approval",
    "target": "approved",
    "task": "classification",
    "metric": "roc_auc",
    "direction": "maximize",
    "segment": "postcode_band",
    "features": [
        {"name": "income", "type": "numeric", "critical": True},
        {"name": "postcode_band", "type": "categorical", "critical": False},
    ],
    "fairness": {
        "group": "applicant_group",
        "group_is_feature": False,
        "favourable_label": 1,
        "min_disparate_impact": 0.75,
        "max_tpr_gap": 0.12,
        "max_metric_gap": 0.08,
        "max_error_ratio": 1.4,
        "max_gap_widening": 0.03,
        "min_group_size": 40,
    },
}
MINIMAL = {
    "dataset": "delivery-eta",
    "target": "delivery_minutes",
    "task": "regression",
    "metric": "rmse",
    "direction": "minimize",
    "features": [{"name": "distance_km", "type": "numeric"}],
}


def _values(spec) -> dict:
    """Every field the wire form carries, as plain values."""
    values = {name: getattr(spec, name) for name in FULL if name not in ("features", "fairness")}
    values["features"] = [asdict(f) for f in spec.features]
    values["fairness"] = None if spec.fairness is None else asdict(spec.fairness)
    return values


@pytest.mark.parametrize("document", [FULL, MINIMAL], ids=["every_field", "minimal"])
def test_both_parsers_read_the_same_spec_to_the_same_values(document):
    deployed = ModelSpec.from_dict(document)
    training = modelspec.parse(document)

    assert _values(deployed) == _values(training)
    assert deployed.to_dict() == training.to_dict()
    assert deployed.feature_names == training.feature_names
    assert deployed.attributes == training.attributes


def test_the_full_spec_keeps_every_field_it_was_given():
    assert ModelSpec.from_dict(FULL).to_dict() == FULL
