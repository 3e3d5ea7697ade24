"""The quality gate's decision on a candidate."""

import pytest

from lambdas.evaluation_gate.gate import EvaluationUnavailable, decide


def evaluation(candidate, champion=None, metric="rmse"):
    return {
        "regression_metrics": {},
        "shadowloop": {
            "metric": metric,
            "candidate": {metric: candidate},
            "champion": None if champion is None else {metric: champion},
        },
    }


def test_first_model_passes_on_the_threshold_alone():
    result = decide(evaluation(5.1), "rmse", "minimize", 12.0, 0.02)

    assert result.decision == "pass"
    assert result.champion is None
    assert result.reason == "rmse 5.10 meets the ceiling 12.00; no champion to compare with"


def test_candidate_above_the_ceiling_is_rejected():
    result = decide(evaluation(13.2), "rmse", "minimize", 12.0, 0.02)

    assert result.decision == "reject"
    assert result.reason == "rmse 13.20 is above the ceiling 12.00"


def test_regression_beyond_the_allowance_is_rejected_with_the_percentage():
    result = decide(evaluation(7.9, champion=5.1), "rmse", "minimize", 12.0, 0.02)

    assert result.decision == "reject"
    assert result.reason == "rmse 7.90 is worse than the champion's 5.10 by 54.9 % (allowed 2.0 %)"
    assert (result.candidate, result.champion) == (7.9, 5.1)


def test_small_regression_within_the_allowance_passes():
    result = decide(evaluation(5.15, champion=5.1), "rmse", "minimize", 12.0, 0.02)

    assert result.decision == "pass"
    assert "1.0 % worse than the champion's 5.10 (allowed 2.0 %)" in result.reason


def test_better_than_the_champion_passes():
    assert decide(evaluation(4.0, champion=5.1), "rmse", "minimize", 12.0, 0.0).passed


@pytest.mark.parametrize(
    ("candidate", "champion", "decision"),
    [(0.80, 0.81, "pass"), (0.70, 0.81, "reject"), (0.55, None, "reject"), (0.65, None, "pass")],
)
def test_maximized_metric_uses_a_floor_and_a_downward_allowance(candidate, champion, decision):
    result = decide(evaluation(candidate, champion, "r2"), "r2", "maximize", 0.6, 0.02)

    assert result.decision == decision


def test_negative_champion_score_keeps_the_allowance_pointing_the_right_way():
    # r2 of -0.5 regressing to -0.505 is 1 % worse: within a 2 % allowance.
    assert decide(evaluation(-0.505, -0.5, "r2"), "r2", "maximize", -1.0, 0.02).passed
    assert not decide(evaluation(-0.6, -0.5, "r2"), "r2", "maximize", -1.0, 0.02).passed


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"shadowloop": {"candidate": {}}},
        {"shadowloop": {"candidate": {"rmse": "5"}}},
        {"shadowloop": {"candidate": {"rmse": float("nan")}}},
        {"shadowloop": {"candidate": {"rmse": 5.0}, "champion": {"mae": 3.0}}},
    ],
)
def test_evaluation_without_a_usable_metric_is_unavailable(document):
    with pytest.raises(EvaluationUnavailable):
        decide(document, "rmse", "minimize", 12.0, 0.02)


def with_champion_holdout(report, candidate, champion, *, error=None):
    report["shadowloop"]["champion_holdout"] = {
        "snapshot_uri": "s3://data/snapshots/delivery-eta/v1/data.csv",
        "version_id": "v1",
        "rows": 400,
        "candidate": None if error else {"rmse": candidate},
        "champion": None if error else {"rmse": champion},
        "error": error,
    }
    return report


def test_a_candidate_worse_on_the_champion_holdout_is_rejected_naming_that_holdout():
    # Given a candidate as good as the champion on its own run's holdout
    report = with_champion_holdout(evaluation(5.0, champion=5.0), candidate=9.0, champion=5.0)

    result = decide(report, "rmse", "minimize", 12.0, 0.02)

    # Then the champion's own holdout decides
    assert result.decision == "reject"
    assert result.reason == (
        "on the champion's holdout (400 rows of version v1): rmse 9.00 is worse than the "
        "champion's 5.00 by 80.0 % (allowed 2.0 %)"
    )
    assert result.champion_holdout["compared"] is True
    assert (result.champion_holdout["candidate"], result.champion_holdout["champion"]) == (9, 5)


def test_a_candidate_within_the_margin_on_the_champion_holdout_passes_and_says_so():
    report = with_champion_holdout(evaluation(5.0, champion=5.0), candidate=5.05, champion=5.0)

    result = decide(report, "rmse", "minimize", 12.0, 0.02)

    assert result.decision == "pass"
    assert result.reason.endswith(
        "on the champion's holdout (400 rows of version v1) rmse 5.05 vs the champion's 5.00"
    )


def test_a_champion_holdout_that_could_not_be_scored_is_named_and_does_not_decide():
    report = with_champion_holdout(
        evaluation(5.0, champion=5.0),
        candidate=None,
        champion=None,
        error="the champion's package names no training snapshot",
    )

    result = decide(report, "rmse", "minimize", 12.0, 0.02)

    assert result.decision == "pass"
    assert result.reason.endswith(
        "the champion's holdout was not compared: the champion's package names no training snapshot"
    )
    assert result.champion_holdout["compared"] is False


def test_without_a_champion_there_is_no_champion_holdout():
    report = evaluation(5.0)
    report["shadowloop"]["champion_holdout"] = None

    result = decide(report, "rmse", "minimize", 12.0, 0.02)

    assert result.passed and result.champion_holdout is None


def test_a_champion_beaten_on_the_run_holdout_cannot_veto_with_its_own_holdout():
    # Given new-world data (a monsoon) where the champion is far worse than the candidate,
    # while the candidate is worse on the champion's old-world holdout
    report = with_champion_holdout(evaluation(4.3, champion=11.2), candidate=5.1, champion=3.8)

    result = decide(report, "rmse", "minimize", 12.0, 0.02)

    # Then it passes, and the reason says the champion's holdout did not decide
    assert result.decision == "pass"
    assert result.reason.endswith(
        "on the champion's holdout (400 rows of version v1) rmse 5.10 vs the champion's 3.80, "
        "not decisive: the data has moved on from the champion's"
    )
    assert result.champion_holdout["decisive"] is False


@pytest.mark.parametrize(
    ("trigger", "decision"),
    [("quality", "pass"), ("drift", "pass"), ("manual", "reject"), ("schedule", "reject")],
)
def test_a_run_a_monitor_started_is_not_vetoed_by_the_champion_holdout(trigger, decision):
    # Given a concept-drift retrain, barely better on recent traffic, worse on old data
    report = with_champion_holdout(evaluation(0.764, champion=0.75, metric="rmse"), 0.73, 0.83)

    result = decide(report, "rmse", "maximize", 0.6, 0.02, trigger=trigger)

    assert result.decision == decision
