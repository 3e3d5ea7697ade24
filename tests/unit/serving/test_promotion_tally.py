"""The promotion tally: merged over hours, it gives what the all-records computation gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lambdas.promotion_check.decision import agreement, join, paired_differences, score
from lambdas.promotion_check.tally import Tally

CASES = [
    ("regression", "rmse"),
    ("regression", "mae"),
    ("regression", "r2"),
    ("classification", "accuracy"),
    ("classification", "f1"),
    ("classification", "roc_auc"),
]


def traffic(task: str, seed: int, *, classes=(0, 1), size: int = 600):
    """Both variants' predictions (some unusable, some not shadowed) and partial feedback."""
    rng = np.random.default_rng(seed)
    ids = [f"id-{n:05d}" for n in range(size)]
    if task == "regression":
        truth = {i: float(v) for i, v in zip(ids, rng.normal(30, 8, size), strict=True)}
        champion = {i: truth[i] + float(rng.normal(0, 3)) for i in ids}
        challenger = {i: truth[i] + float(rng.normal(0.5, 2.5)) for i in ids}
    else:
        truth = {i: classes[int(rng.integers(len(classes)))] for i in ids}

        def guess(i: str, right: float):
            return truth[i] if rng.random() < right else classes[int(rng.integers(len(classes)))]

        champion = {i: guess(i, 0.7) for i in ids}
        challenger = {i: guess(i, 0.8) for i in ids}
    champion[ids[3]] = None  # an unscorable prediction is not paired
    challenger = {i: p for n, (i, p) in enumerate(challenger.items()) if n % 10 != 9}
    actuals = {i: truth[i] for n, i in enumerate(ids) if n % 3 != 0}
    return ids, {"champion": champion, "challenger": challenger}, actuals


def merged_over_hours(task, metric, ids, predictions, actuals, hours: int) -> Tally:
    """The tally built hour by hour (ids split by champion hour), then stored and merged."""
    total = Tally()
    for part in np.array_split(np.array(ids), hours):
        chunk = {i: predictions["champion"][i] for i in part}
        joined = join(task, {"champion": chunk, "challenger": predictions["challenger"]}, actuals)
        tally = Tally.of(task, metric, joined, {"champion": len(chunk), "challenger": 0})
        # Through the stored JSON, as a folded hour is kept between runs.
        total = total.merge(Tally.from_dict(json.loads(json.dumps(tally.to_dict()))))
    return total


@pytest.mark.parametrize(("task", "metric"), CASES)
@pytest.mark.parametrize("hours", [1, 7, 48])
def test_tally_merged_over_hours_equals_the_all_records_computation(task, metric, hours):
    # Given one window's traffic, and the current computation on all of its records
    ids, predictions, actuals = traffic(task, seed=hours)
    joined = join(task, predictions, actuals)
    expected_differences = paired_differences(
        metric, joined.truth, joined.labelled["champion"], joined.labelled["challenger"]
    )

    # When the same traffic is tallied hour by hour and merged
    tally = merged_over_hours(task, metric, ids, predictions, actuals, hours)

    # Then the labelled count, both metrics, the agreement and the paired statistics agree
    assert tally.labelled == len(joined.truth) > 0
    for variant in ("champion", "challenger"):
        expected = score(metric, joined.truth, joined.labelled[variant])
        if expected is None:  # roc_auc: no metric from labels alone, either way
            assert tally.score(metric, variant) is None
        else:
            assert tally.score(metric, variant) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert tally.paired == len(joined.paired["champion"])
    assert tally.agreement == pytest.approx(
        agreement(task, joined.paired["champion"], joined.paired["challenger"]), abs=1e-15
    )
    if expected_differences is None:
        assert tally.paired_differences() is None
    else:
        got = tally.paired_differences()
        assert got.n == expected_differences.n
        assert got.mean == pytest.approx(expected_differences.mean, rel=1e-12, abs=1e-12)
        assert got.variance == pytest.approx(expected_differences.variance, rel=1e-9)


def test_macro_f1_over_string_classes_merges_like_the_whole():
    ids, predictions, actuals = traffic("classification", 5, classes=("low", "mid", "high"))
    joined = join("classification", predictions, actuals)

    tally = merged_over_hours("classification", "f1", ids, predictions, actuals, hours=9)

    expected = score("f1", joined.truth, joined.labelled["challenger"])
    assert tally.score("f1", "challenger") == pytest.approx(expected, rel=1e-12)


def test_r2_of_constant_actuals_is_none_as_on_all_records():
    ids = [f"id-{n}" for n in range(20)]
    guesses = {i: 5.0 + n % 3 for n, i in enumerate(ids)}
    predictions = {"champion": guesses, "challenger": guesses}
    actuals = dict.fromkeys(ids, 5.0)

    tally = merged_over_hours("regression", "r2", ids, predictions, actuals, hours=4)

    assert score("r2", list(actuals.values()), list(predictions["champion"].values())) is None
    assert tally.score("r2", "champion") is None
    assert tally.labelled == 20


def test_an_empty_tally_has_no_metric_agreement_or_bound():
    tally = Tally()

    assert (tally.score("rmse", "champion"), tally.agreement, tally.paired_differences()) == (
        None,
        None,
        None,
    )
    assert Tally.from_dict(json.loads(json.dumps(tally.to_dict()))) == tally


def test_a_stored_tally_of_another_shape_is_refused():
    raw = Tally().to_dict()
    del raw["errors"]

    with pytest.raises(KeyError):
        Tally.from_dict(raw)
