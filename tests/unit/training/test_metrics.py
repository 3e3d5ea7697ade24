import math

import numpy as np
import pytest
from metrics import bootstrap_std, compute_metrics
from sklearn import metrics as skm

RNG = np.random.default_rng(0)
Y_TRUE = RNG.normal(30, 8, 400)
Y_PRED = Y_TRUE + RNG.normal(0, 4, 400)


def test_regression_metrics_match_scikit_learn():
    result = compute_metrics("regression", Y_TRUE, Y_PRED)

    assert result["rmse"] == pytest.approx(skm.root_mean_squared_error(Y_TRUE, Y_PRED))
    assert result["mae"] == pytest.approx(skm.mean_absolute_error(Y_TRUE, Y_PRED))
    assert result["r2"] == pytest.approx(skm.r2_score(Y_TRUE, Y_PRED))


def test_r2_of_a_single_row_is_undefined_not_an_error():
    result = compute_metrics("regression", [10.0], [12.0])

    assert result["rmse"] == pytest.approx(2.0)
    assert math.isnan(result["r2"])


def test_binary_classification_metrics_match_scikit_learn():
    y_true = np.array(["no", "yes"] * 100)
    p_yes = np.clip(np.where(y_true == "yes", 0.7, 0.3) + RNG.normal(0, 0.25, 200), 0, 1)
    y_pred = np.where(p_yes > 0.5, "yes", "no")
    proba = np.column_stack([1 - p_yes, p_yes])

    result = compute_metrics("classification", y_true, y_pred, proba, classes=["no", "yes"])

    assert result["accuracy"] == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert result["f1"] == pytest.approx(skm.f1_score(y_true, y_pred, pos_label="yes"))
    assert result["roc_auc"] == pytest.approx(skm.roc_auc_score(y_true == "yes", p_yes))
    assert result["log_loss"] == pytest.approx(skm.log_loss(y_true, proba, labels=["no", "yes"]))


def test_multiclass_f1_is_the_macro_average():
    y_true = np.array([0, 1, 2] * 50)
    y_pred = np.roll(y_true, 1)
    y_pred[:100] = y_true[:100]

    result = compute_metrics("classification", y_true, y_pred)

    assert result["f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"))
    assert "roc_auc" not in result


def test_bootstrap_spread_is_seeded_and_plausible():
    spread = bootstrap_std("regression", Y_TRUE, Y_PRED)

    assert spread == bootstrap_std("regression", Y_TRUE, Y_PRED)
    # The rmse of 400 rows with error sd 4 varies by roughly 4 / sqrt(2 * 400).
    assert 0.07 < spread["rmse"] < 0.3


def test_unknown_task_and_empty_input_are_refused():
    with pytest.raises(ValueError, match="unknown task 'ranking'"):
        compute_metrics("ranking", [1], [1])
    with pytest.raises(ValueError, match="zero rows"):
        compute_metrics("regression", [], [])
