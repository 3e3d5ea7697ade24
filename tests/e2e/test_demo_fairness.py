"""``shadowloop demo --group``: the gate judges a loan-approval model per applicant group."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from shadowloop.cli.main import cli
from shadowloop.localcloud import strict

# The demo keeps its local cloud under .shadowloop/demo: one demo at a time.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("demo")]


def loans_csv(tmp_path: Path, variant: str) -> Path:
    csv = tmp_path / f"loans-{variant}.csv"
    made = CliRunner().invoke(cli, ["data", "loans", "--variant", variant, "--out", str(csv)])
    assert made.exit_code == 0, made.output
    return csv


def demo(csv: Path, out: Path) -> tuple[str, dict]:
    result = CliRunner().invoke(
        cli,
        ["demo", "--data", str(csv), "--target", "approved", "--group", "applicant_group"]
        + ["--out", str(out)],
    )
    # A rejected candidate is a legitimate ending of the story, not a failure
    assert result.exit_code == 0, result.output
    return result.output, json.loads((out / "report.json").read_text())


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == strict.LOG.name]


def test_a_model_trained_on_skewed_labels_is_rejected_naming_group_and_metric(tmp_path, caplog):
    # Given loan decisions that held group B back, the skew carried by the postcode
    caplog.set_level(logging.WARNING, logger=strict.LOG.name)
    csv = loans_csv(tmp_path, "skewed")

    # When the demo trains on it with applicant_group as the fairness group
    output, report = demo(csv, tmp_path / "out")

    # Then the gate rejected the model for disparate impact against group B
    (run,) = report["pipeline_runs"]
    assert run["status"] == "SUCCEEDED" and run["gate"] == "reject"
    assert "fairness: disparate impact" in run["gate_reason"]
    assert "for applicant_group=B below 0.8" in run["gate_reason"]
    verdict = report["first_gate"]["fairness"]
    assert verdict["decision"] == "reject" and verdict["figures"]["disparate_impact"] < 0.8
    assert run["model_package_arn"] is None and report["served_by"] is None
    assert "fairness across applicant_group: reject" in output
    assert refusals(caplog) == []


def test_a_model_trained_on_fair_labels_passes_and_serves(tmp_path, caplog):
    # Given the same applicants, decided on their finances alone
    caplog.set_level(logging.WARNING, logger=strict.LOG.name)
    csv = loans_csv(tmp_path, "fair")

    # When the demo trains on it
    output, report = demo(csv, tmp_path / "out")

    # Then the gate passed it, it was registered and GET /model shows its fairness figures
    (run,) = report["pipeline_runs"]
    assert run["gate"] == "pass" and run["model_package_arn"]
    assert "fairness for applicant_group holds" in run["gate_reason"]
    shown = report["served_by"]["fairness"]
    assert shown["decision"] == "pass" and shown["group"] == "applicant_group"
    assert shown["disparate_impact"] >= 0.8
    assert shown["tpr_gap"] <= 0.1 and shown["metric_gap"] <= 0.1
    # And traffic carrying the group reached the model, which ignored it
    assert report["predictions_served"] == 200
    assert "fairness across applicant_group: pass" in output
    assert refusals(caplog) == []
