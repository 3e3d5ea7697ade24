"""The quality check's live fairness figures equal the evaluation's, and scikit-learn's."""

from __future__ import annotations

import fairness as holdout
import modelspec
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, mean_squared_error, recall_score

from lambdas.shared.quality import fairness as live
from lambdas.shared.settings import ModelSpec

FEATURES = [{"name": "income", "type": "numeric"}]


def specs(task: str, metric: str, direction: str, **section):
    raw = {
        "dataset": "loans",
        "target": "approved",
        "task": task,
        "metric": metric,
        "direction": direction,
        "features": FEATURES,
        "fairness": {"group": "applicant_group", **section},
    }
    return modelspec.parse(raw), ModelSpec.from_dict(raw)


def live_assess(spec: ModelSpec, groups, y_true, y_pred):
    return live.assess(
        spec.fairness,
        task=spec.task,
        metric=spec.metric,
        direction=spec.direction,
        groups=list(groups),
        actual=y_true.tolist(),
        predicted=y_pred.tolist(),
    )


def close(a, b):
    """Recursively equal, numbers to 1e-9."""
    if isinstance(a, dict):
        assert set(a) == set(b)
        for key in a:
            close(a[key], b[key])
    elif isinstance(a, list):
        assert a == b
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, abs=1e-9)
    else:
        assert a == b


@pytest.fixture(scope="module")
def loan_answers():
    """Three groups, group B's approvals cut at random, group C too small to judge."""
    rng = np.random.default_rng(11)
    groups = np.array(["A"] * 150 + ["B"] * 90 + ["C"] * 10, dtype=object)
    y_true = rng.integers(0, 2, size=len(groups))
    y_pred = np.where(rng.random(len(groups)) < 0.85, y_true, 1 - y_true)
    y_pred = np.where((groups == "B") & (rng.random(len(groups)) < 0.4), 0, y_pred)
    return groups, y_true, y_pred


def test_live_classification_figures_equal_the_evaluations(loan_answers):
    groups, y_true, y_pred = loan_answers
    training_spec, lambda_spec = specs("classification", "accuracy", "maximize", favourable_label=1)

    expected = holdout.assess(training_spec, groups, y_true, y_pred)

    close(live_assess(lambda_spec, groups, y_true, y_pred), expected)
    # Feedback may carry 1.0 for the label 1: the same class, the same figures.
    close(live_assess(lambda_spec, groups, y_true.astype(float), y_pred), expected)


def test_live_classification_figures_match_scikit_learn(loan_answers):
    groups, y_true, y_pred = loan_answers
    _, spec = specs("classification", "accuracy", "maximize", favourable_label=1)

    assessed = live_assess(spec, groups, y_true, y_pred)

    for key in ("A", "B", "C"):
        rows = groups == key
        tn, fp, fn, tp = confusion_matrix(y_true[rows], y_pred[rows], labels=[0, 1]).ravel()
        entry = assessed["groups"][key]
        assert entry["size"] == rows.sum()
        assert entry["selection_rate"] == pytest.approx((tp + fp) / rows.sum(), abs=1e-9)
        assert entry["tpr"] == pytest.approx(recall_score(y_true[rows], y_pred[rows]), abs=1e-9)
        assert entry["fpr"] == pytest.approx(fp / (fp + tn), abs=1e-9)
        assert entry["metric"] == pytest.approx(
            accuracy_score(y_true[rows], y_pred[rows]), abs=1e-9
        )
    assert assessed["insufficient_evidence"] == ["C"]
    rates = {k: (y_pred[groups == k] == 1).mean() for k in ("A", "B")}
    assert assessed["figures"]["disparate_impact"] == {
        "value": pytest.approx(rates["B"] / rates["A"], abs=1e-9),
        "group": "B",
        "reference": "A",
    }


def test_live_regression_error_ratio_equals_the_evaluations_and_scikit_learns():
    rng = np.random.default_rng(5)
    groups = np.array(["north"] * 80 + ["south"] * 60, dtype=object)
    y_true = rng.normal(30, 5, size=len(groups))
    y_pred = y_true + rng.normal(0, np.where(groups == "south", 6.0, 3.0))
    training_spec, lambda_spec = specs("regression", "rmse", "minimize")

    assessed = live_assess(lambda_spec, groups, y_true, y_pred)

    close(assessed, holdout.assess(training_spec, groups, y_true, y_pred))
    south = groups == "south"
    expected = mean_squared_error(y_true[south], y_pred[south]) ** 0.5 / (
        mean_squared_error(y_true, y_pred) ** 0.5
    )
    assert assessed["figures"]["error_ratio"]["group"] == "south"
    assert assessed["figures"]["error_ratio"]["value"] == pytest.approx(expected, abs=1e-9)
