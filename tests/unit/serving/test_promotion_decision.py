"""The promotion decision and the numbers behind it, as pure functions."""

import math

import pytest

from lambdas.promotion_check.decision import (
    PROMOTE,
    RETIRE,
    WAIT,
    agreement,
    decide,
    improvement,
    join,
    score,
    usable,
)


def verdict(champion, challenger, *, direction="minimize", labelled=500, rates=(None, None)):
    return decide(
        champion_metric=champion,
        challenger_metric=challenger,
        direction=direction,
        labelled=labelled,
        min_labelled=200,
        margin=0.02,
        champion_error_rate=rates[0],
        challenger_error_rate=rates[1],
    )


def test_too_few_labels_waits_and_says_how_many():
    result = verdict(10.0, 5.0, labelled=38)

    assert (result.decision, result.reason) == (WAIT, "38 of 200 labelled records")


def test_clearly_lower_error_promotes():
    assert verdict(10.0, 9.0).decision == PROMOTE


def test_clearly_higher_error_retires():
    result = verdict(10.0, 11.0)

    assert result.decision == RETIRE
    assert "worse" in result.reason


def test_difference_within_the_margin_waits():
    result = verdict(10.0, 9.9)

    assert result.decision == WAIT
    assert "within the margin" in result.reason


def test_higher_challenger_error_rate_blocks_a_promotion():
    result = verdict(10.0, 9.0, rates=(0.01, 0.05))

    assert result.decision == WAIT
    assert "error rate" in result.reason


def test_equal_error_rates_allow_a_promotion():
    assert verdict(10.0, 9.0, rates=(0.01, 0.01)).decision == PROMOTE


def test_maximized_metric_promotes_a_higher_value():
    assert verdict(0.80, 0.85, direction="maximize").decision == PROMOTE
    assert verdict(0.80, 0.70, direction="maximize").decision == RETIRE


def test_missing_metric_waits():
    assert verdict(None, 9.0).decision == WAIT


def test_improvement_is_relative_and_signed_by_direction():
    assert improvement(10.0, 9.0, "minimize") == pytest.approx(0.1)
    assert improvement(0.5, 0.6, "maximize") == pytest.approx(0.2)
    assert improvement(0.0, 1.0, "minimize") == -math.inf


@pytest.mark.parametrize(
    ("metric", "expected"),
    [("rmse", math.sqrt(5 / 3)), ("mae", 1.0), ("r2", 1 - 5 / 8)],
)
def test_regression_metrics(metric, expected):
    assert score(metric, [1, 3, 5], [2, 3, 7]) == pytest.approx(expected)


def test_classification_metrics():
    actual, predicted = [1, 0, 1, 1], [1.0, 0, 0, True]

    assert score("accuracy", actual, predicted) == pytest.approx(0.75)
    # Binary F1 of class 1: tp=2, fp=0, fn=1.
    assert score("f1", actual, predicted) == pytest.approx(0.8)


def test_unsupported_metric_or_no_records_gives_none():
    assert score("roc_auc", [1], [1]) is None
    assert score("rmse", [], []) is None


def test_regression_agreement_is_within_ten_percent_or_one_unit():
    champion = [100.0, 100.0, 5.0, 5.0]
    challenger = [109.0, 112.0, 5.9, 6.5]

    assert agreement("regression", champion, challenger) == pytest.approx(0.5)


def test_classification_agreement_is_equality():
    assert agreement("classification", ["a", "b"], ["a", "c"]) == pytest.approx(0.5)
    assert agreement("classification", [], []) is None


def test_only_scorable_values_are_usable():
    assert usable("regression", "12.5")
    assert not usable("regression", None)
    assert not usable("regression", "fast")
    assert not usable("regression", float("nan"))
    assert usable("classification", "approved")
    assert not usable("classification", {"label": 1})


def test_join_pairs_ids_both_variants_saw_and_labels_the_known_ones():
    predictions = {
        "champion": {"a": 10.0, "b": 11.0, "c": 12.0, "d": None},
        "challenger": {"a": 10.5, "c": 13.0, "d": 9.0},
    }

    joined = join("regression", predictions, {"a": 10.2, "b": 11.0, "d": 9.0})

    assert joined.paired == {"champion": [10.0, 12.0], "challenger": [10.5, 13.0]}
    assert joined.labelled == {"champion": [10.0], "challenger": [10.5]}
    assert joined.truth == [10.2]


def _paired(champion_error, challenger_error, n, seed=0, look=1):
    """Paired losses of two regressors on the same labelled requests."""
    import numpy as np

    from lambdas.promotion_check.decision import Paired, paired_differences
    from lambdas.shared.quality import look_alpha

    rng = np.random.default_rng(seed)
    truth = rng.uniform(10, 60, n)
    champion = truth + rng.normal(0, champion_error, n)
    challenger = truth + rng.normal(0, challenger_error, n)
    stats = paired_differences("rmse", truth.tolist(), champion.tolist(), challenger.tolist())
    return Paired(stats, look_alpha(0.05, look))


def paired_verdict(paired):
    return decide(
        champion_metric=10.0,
        challenger_metric=9.0,
        direction="minimize",
        labelled=paired.differences.n,
        min_labelled=200,
        margin=0.02,
        champion_error_rate=None,
        challenger_error_rate=None,
        paired=paired,
    )


def test_a_sure_paired_gain_promotes():
    paired = _paired(champion_error=10.0, challenger_error=4.0, n=400)

    assert paired.lower > 0
    assert paired_verdict(paired).decision == PROMOTE


def test_a_point_gain_the_paired_bound_does_not_support_waits():
    # Same quality on both sides: any point gain is luck, and the bound says so.
    paired = _paired(champion_error=5.0, challenger_error=5.0, n=250, look=20)

    result = paired_verdict(paired)

    assert result.decision == WAIT
    assert "not yet sure" in result.reason


def test_equal_models_are_never_promoted_over_many_hourly_looks():
    import numpy as np

    from lambdas.promotion_check.decision import Paired, paired_differences, score
    from lambdas.shared.quality import look_alpha

    # Given a challenger exactly as good as the champion, checked every hour for 100 hours
    rng = np.random.default_rng(7)
    decisions, point_only = [], []
    for look in range(1, 101):
        truth = rng.uniform(10, 60, 220)
        a, b = truth + rng.normal(0, 4, 220), truth + rng.normal(0, 4, 220)
        metrics = {
            "champion_metric": score("rmse", truth.tolist(), a.tolist()),
            "challenger_metric": score("rmse", truth.tolist(), b.tolist()),
            "direction": "minimize",
            "labelled": 220,
            "min_labelled": 200,
            "margin": 0.02,
            "champion_error_rate": None,
            "challenger_error_rate": None,
        }
        stats = paired_differences("rmse", truth.tolist(), a.tolist(), b.tolist())
        paired = Paired(stats, look_alpha(0.05, look))
        decisions.append(decide(**metrics, paired=paired).decision)
        point_only.append(decide(**metrics).decision)

    # Then it is never promoted nor retired, although the point rule alone would act
    assert set(decisions) == {WAIT}
    assert PROMOTE in point_only
