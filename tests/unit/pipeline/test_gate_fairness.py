"""The gate's fairness checks: limits, the champion's gaps, and groups too small to judge."""

from lambdas.evaluation_gate.gate import decide
from lambdas.shared.settings import Fairness

LIMITS = Fairness(group="applicant_group", favourable_label=1)
URI = "s3://artifacts/runs/run-1/evaluation/evaluation.json"


def assessment(di=0.9, tpr_gap=0.05, metric_gap=0.03, insufficient=(), worst="B"):
    groups = {"A": {"size": 300}, "B": {"size": 200}}
    groups.update({k: {"size": 12} for k in insufficient})
    return {
        "groups": groups,
        "judged": ["A", "B"],
        "insufficient_evidence": list(insufficient),
        "figures": {
            "disparate_impact": {"value": di, "group": worst, "reference": "A"},
            "tpr_gap": {"value": tpr_gap, "group": worst, "reference": "A"},
            "metric_gap": {"value": metric_gap, "group": worst, "reference": "A"},
        },
    }


def evaluation(candidate, champion=None):
    return {
        "shadowloop": {
            "metric": "accuracy",
            "candidate": {"accuracy": 0.9},
            "champion": None if champion is None else {"accuracy": 0.9},
            "fairness": {
                "group": "applicant_group",
                "report_file": "bias.json",
                "candidate": candidate,
                "champion": champion,
            },
        }
    }


def gate(document, limits=LIMITS):
    return decide(
        document,
        "accuracy",
        "maximize",
        0.5,
        0.02,
        fairness_limits=limits,
        task="classification",
        evaluation_uri=URI,
    )


def test_low_disparate_impact_rejects_naming_the_group_and_the_metric():
    result = gate(evaluation(assessment(di=0.62)))

    assert result.decision == "reject"
    assert result.reason == "fairness: disparate impact 0.62 for applicant_group=B below 0.8"
    assert result.fairness.figures["disparate_impact"] == 0.62


def test_every_broken_limit_is_named():
    result = gate(evaluation(assessment(tpr_gap=0.15, metric_gap=0.12)))

    assert result.decision == "reject"
    assert result.fairness.problems == [
        "fairness: true-positive-rate gap 0.15 for applicant_group=B above 0.1",
        "fairness: metric gap 0.12 for applicant_group=B above 0.1",
    ]


def test_a_fair_first_model_passes_on_the_limits_alone():
    result = gate(evaluation(assessment()))

    assert result.decision == "pass"
    assert result.reason.endswith(
        "no champion to compare with; fairness for applicant_group holds "
        "(disparate impact 0.9, tpr gap 0.05, metric gap 0.03)"
    )
    assert result.fairness.as_dict() == {
        "decision": "pass",
        "group": "applicant_group",
        "problems": [],
        "figures": {"disparate_impact": 0.9, "tpr_gap": 0.05, "metric_gap": 0.03},
        "insufficient_evidence": [],
        "bias_report_uri": "s3://artifacts/runs/run-1/evaluation/bias.json",
    }


def test_a_gap_widened_beyond_the_allowance_against_the_champion_rejects():
    # Within the absolute limit (0.1), but 0.05 wider than the champion's (allowed 0.02)
    result = gate(evaluation(assessment(tpr_gap=0.08), champion=assessment(tpr_gap=0.03)))

    assert result.decision == "reject"
    assert result.reason == (
        "fairness: true-positive-rate gap 0.08 for applicant_group=B is 0.05 worse than "
        "the champion's 0.03 (allowed 0.02)"
    )


def test_a_lower_disparate_impact_than_the_champion_is_a_widening():
    result = gate(evaluation(assessment(di=0.85), champion=assessment(di=0.97)))

    assert result.decision == "reject"
    assert "disparate impact 0.85 for applicant_group=B is 0.12 worse" in result.reason


def test_a_gap_within_the_allowance_passes():
    result = gate(evaluation(assessment(tpr_gap=0.045), champion=assessment(tpr_gap=0.03)))

    assert result.decision == "pass"


def test_small_groups_are_reported_and_do_not_pass_as_judged():
    result = gate(evaluation(assessment(insufficient=("C",))))

    assert result.decision == "pass"
    assert result.fairness.insufficient_evidence == ["applicant_group=C (12 rows)"]
    assert "not judged, too few rows: applicant_group=C (12 rows)" in result.reason


def test_fewer_than_two_judged_groups_rejects_as_not_judgeable():
    candidate = {
        "groups": {"A": {"size": 300}, "B": {"size": 9}},
        "judged": ["A"],
        "insufficient_evidence": ["B"],
        "figures": {},
    }

    result = gate(evaluation(candidate))

    assert result.decision == "reject"
    assert result.reason == (
        "fairness: cannot be judged for applicant_group: fewer than two groups have 30 "
        "holdout rows (insufficient evidence: applicant_group=B (9 rows))"
    )


def test_an_undefined_figure_is_never_a_pass():
    candidate = assessment()
    candidate["figures"]["tpr_gap"]["value"] = None

    result = gate(evaluation(candidate))

    assert result.decision == "reject"
    assert "true-positive-rate gap cannot be judged for applicant_group" in result.reason


def test_an_evaluation_without_fairness_rejects_when_the_spec_asks_for_it():
    document = evaluation(assessment())
    del document["shadowloop"]["fairness"]

    result = gate(document)

    assert result.decision == "reject"
    assert result.reason == "fairness: applicant_group was not evaluated"


def test_regression_judges_the_error_ratio():
    limits = Fairness(group="zone")
    candidate = {
        "groups": {"inner": {"size": 90}, "outer": {"size": 60}},
        "judged": ["inner", "outer"],
        "insufficient_evidence": [],
        "figures": {"error_ratio": {"value": 1.4, "group": "outer"}},
    }
    document = {
        "shadowloop": {
            "candidate": {"rmse": 5.0},
            "champion": None,
            "fairness": {"candidate": candidate, "champion": None},
        }
    }

    result = decide(
        document, "rmse", "minimize", 12.0, 0.02, fairness_limits=limits, evaluation_uri=URI
    )

    assert result.decision == "reject"
    assert result.reason == "fairness: error ratio 1.40 for zone=outer above 1.25"


def test_without_a_fairness_section_the_gate_judges_no_fairness():
    result = decide(evaluation(assessment(di=0.1)), "accuracy", "maximize", 0.5, 0.02)

    assert result.decision == "pass"
    assert result.fairness is None
