"""``shadowloop demo --story loan``: the fairness gate, then live fairness per group."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from shadowloop.cli.main import cli
from shadowloop.localcloud import strict

# The demo keeps its local cloud under .shadowloop/demo: one demo at a time.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("demo")]


def test_the_loan_story_rejects_the_skewed_candidate_serves_the_fair_one_and_watches_it_live(
    tmp_path, caplog
):
    # Given a fresh local cloud and the loan config
    caplog.set_level(logging.WARNING, logger=strict.LOG.name)
    out = tmp_path / "out"

    # When the loan story is told
    result = CliRunner().invoke(cli, ["demo", "--story", "loan", "--out", str(out)])

    # Then the candidate trained on skewed decisions was rejected, naming group and metric
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    rejected, passed = report["pipeline_runs"]
    assert rejected["gate"] == "reject" and rejected["model_package_arn"] is None
    assert "fairness: disparate impact" in rejected["gate_reason"]
    assert "for applicant_group=B below 0.8" in rejected["gate_reason"]
    # And the fair candidate passed and is the model in production
    assert passed["gate"] == "pass" and passed["model_package_arn"]
    assert report["served_by"]["model_package_arn"] == passed["model_package_arn"]
    assert report["served_by"]["fairness"]["decision"] == "pass"
    # And both candidates' per-group holdout figures come from their bias reports
    candidates = {c["decision"]: c for c in report["candidate_fairness"]}
    skewed, fair = candidates["reject"]["groups"], candidates["pass"]["groups"]
    assert skewed["B"]["selection_rate"] < 0.8 * skewed["A"]["selection_rate"]
    assert fair["B"]["selection_rate"] >= 0.8 * fair["A"]["selection_rate"]
    # And the quality check judged live fairness per group on the labelled traffic
    live = report["live_fairness"]
    assert live["group"] == "applicant_group" and live["status"] == "ok"
    assert set(live["groups"]) == {"A", "B"}
    assert sum(g["size"] for g in live["groups"].values()) == live["labels"] == 200
    assert all(g["status"] == "judged" for g in live["groups"].values())
    assert {"selection_rate", "tpr", "fpr", "metric"} <= set(live["groups"]["B"])
    assert live["figures"]["disparate_impact"]["value"] >= 0.8
    assert report["predictions_served"] == report["feedback_sent"] == 400
    # And a reviewer's approval is on the serving package, and a declined application replays
    assert report["approval"]["approval_status"] == "Approved"
    assert report["approval"]["model_package_arn"] == passed["model_package_arn"]
    assert "fairness across applicant_group reviewed" in report["approval"]["approval_reason"]
    explained = report["explained"]
    assert explained["prediction"] == 0 and "applicant_group" in explained["input"]
    assert explained["model_package_arn"] == passed["model_package_arn"]
    assert explained["model"]["approved_by"] == report["approval"]["approved_by"]
    assert explained["replay"]["reproduced"] is True
    # And the report shows it: the HTML table and the per-group plot
    html = (out / "report.html").read_text()
    assert "Fairness per group" in html and "serving model (live traffic)" in html
    assert (out / "fairness_per_group.png").stat().st_size > 0
    assert "live fairness across applicant_group: ok" in result.output
    assert [r.getMessage() for r in caplog.records if r.name == strict.LOG.name] == []


def test_story_and_data_together_are_refused_in_one_line(tmp_path):
    csv = tmp_path / "loans.csv"
    csv.write_text("a,b\n1,2\n")

    result = CliRunner().invoke(cli, ["demo", "--story", "loan", "--data", str(csv)])

    assert result.exit_code != 0
    assert "--story tells a built-in story and --data tells yours" in result.output
    assert "Traceback" not in result.output
