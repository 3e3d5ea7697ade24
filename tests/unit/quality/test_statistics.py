"""The live quality rule: losses, bounds, alpha spending, and its false alarms on nulls."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lambdas.shared.quality import (
    DEGRADED,
    INSUFFICIENT_EVIDENCE,
    OK,
    LossStats,
    Rule,
    UnsupportedMetric,
    judge,
    look_alpha,
    losses,
    lower_bound,
    metric_from_loss,
    reference_loss,
    upper_bound,
)

RULE = Rule(metric="rmse", alpha=0.05, tolerance=0.1, min_labels=50)


def test_losses_average_back_to_each_metric():
    actual, predicted = [10.0, 12.0, 9.0, 15.0], [11.0, 10.0, 9.0, 19.0]
    errors = np.array(predicted) - np.array(actual)

    rmse = metric_from_loss("rmse", losses("rmse", actual, predicted).mean())
    mae = metric_from_loss("mae", losses("mae", actual, predicted).mean())
    wrong = losses("accuracy", [1, 0, 1.0, True], [1, 1, 1, 0])
    accuracy = metric_from_loss("accuracy", wrong.mean())

    assert rmse == pytest.approx(math.sqrt(np.mean(errors**2)))
    assert mae == pytest.approx(np.mean(np.abs(errors)))
    assert accuracy == pytest.approx(0.5)


def test_a_metric_without_per_record_loss_is_refused_by_name():
    with pytest.raises(UnsupportedMetric, match="r2"):
        losses("r2", [1.0], [1.0])


def test_tolerance_scales_the_metric_error_quantity():
    assert reference_loss("rmse", 4.0, 0.1) == pytest.approx(4.4**2)
    assert reference_loss("mae", 3.0, 0.1) == pytest.approx(3.3)
    assert reference_loss("accuracy", 0.9, 0.5) == pytest.approx(0.15)


def test_sufficient_statistics_merge_like_the_pooled_sample():
    rng = np.random.default_rng(0)
    a, b = rng.exponential(size=40), rng.exponential(size=70)

    merged = LossStats.of(a).merge(LossStats.of(b))

    pooled = np.concatenate([a, b])
    assert merged.n == 110
    assert merged.mean == pytest.approx(pooled.mean())
    assert merged.variance == pytest.approx(pooled.var(ddof=1))
    assert LossStats.from_dict(merged.to_dict()) == merged


def test_alpha_spent_over_every_look_sums_to_alpha():
    spent = sum(look_alpha(0.05, k) for k in range(1, 200_000))

    assert spent == pytest.approx(0.05, rel=1e-4)
    assert spent < 0.05
    assert look_alpha(0.05, 2) == pytest.approx(look_alpha(0.05, 1) / 4)


def test_bounds_widen_as_looks_spend_less_alpha():
    stats = LossStats.of(np.random.default_rng(1).exponential(10.0, size=200))

    first = (lower_bound(stats, look_alpha(0.05, 1)), upper_bound(stats, look_alpha(0.05, 1)))
    later = (lower_bound(stats, look_alpha(0.05, 30)), upper_bound(stats, look_alpha(0.05, 30)))

    assert later[0] < first[0] < stats.mean < first[1] < later[1]


def test_below_min_labels_is_insufficient_evidence_never_a_verdict():
    # Even 49 records with a huge error decide nothing.
    stats = LossStats.of(np.full(49, 10_000.0))

    verdict = judge(stats, rule=RULE, reference=3.7, look=1)

    assert verdict["status"] == INSUFFICIENT_EVIDENCE
    assert verdict["estimate"] is None and verdict["interval"] is None
    assert verdict["labels"] == 49


def test_a_large_rise_is_degraded_and_reported_in_the_metric_units():
    rng = np.random.default_rng(2)
    errors = rng.normal(0.0, 12.7, size=120)

    verdict = judge(LossStats.of(errors**2), rule=RULE, reference=3.7, look=3)

    assert verdict["status"] == DEGRADED
    low, high = verdict["interval"]
    assert low < verdict["estimate"] < high
    assert 10.0 < verdict["estimate"] < 15.0
    assert low > verdict["threshold"] == pytest.approx(3.7 * 1.1)


def test_live_error_at_the_reference_is_ok():
    errors = np.random.default_rng(3).normal(0.0, 3.7, size=400)

    verdict = judge(LossStats.of(errors**2), rule=RULE, reference=3.7, look=1)

    assert verdict["status"] == OK
    assert verdict["interval"][0] < 3.7 < verdict["interval"][1]


def test_accuracy_interval_is_ordered_in_accuracy():
    rule = Rule(metric="accuracy", alpha=0.05, tolerance=0.1, min_labels=50)
    wrong = (np.random.default_rng(4).random(300) < 0.4).astype(float)

    verdict = judge(LossStats.of(wrong), rule=rule, reference=0.9, look=1)

    low, high = verdict["interval"]
    assert low < verdict["estimate"] < high < 0.9
    assert verdict["status"] == DEGRADED


@pytest.mark.parametrize("labels", [50, 200])
def test_simulated_null_lives_raise_false_alarms_at_most_alpha(labels):
    # Given 400 champion lives of 50 hourly looks each, live error exactly the holdout's
    rng = np.random.default_rng(5)
    lives, looks = 400, 50

    # When every look is judged with the spending rule and no tolerance at all
    rule = Rule(metric="rmse", alpha=0.05, tolerance=0.0, min_labels=labels)
    alarmed = 0
    for _ in range(lives):
        errors = rng.normal(0.0, 3.7, size=(looks, labels))
        alarmed += any(
            judge(LossStats.of(errors[k] ** 2), rule=rule, reference=3.7, look=k + 1)["status"]
            == DEGRADED
            for k in range(looks)
        )

    # Then the share of lives with any false alarm stays within alpha (plus sampling noise)
    assert alarmed / lives <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / lives)
