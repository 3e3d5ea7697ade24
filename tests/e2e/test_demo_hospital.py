"""``shadowloop demo --story hospital``: delayed labels, concept drift, alarm, recovery."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from shadowloop.cli.main import cli

# The demo keeps its local cloud under .shadowloop/demo: one demo at a time.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("demo")]


def test_the_hospital_story_alarms_on_concept_drift_retrains_and_recovers(tmp_path):
    # When the hospital story runs as a user runs it
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["demo", "--story", "hospital", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    checks = report["quality_checks"]
    change = datetime.fromisoformat(report["change_at"])

    # Then the quality check alarmed within two windows of the change
    alarm = report["alarm"]
    assert alarm["status"] == "degraded" and alarm["alert_sent"] is True
    after = [c for c in checks if _at(c) > change]
    assert alarm in after[:2]
    assert alarm["live"] < alarm["threshold"] < alarm["reference"]
    # And a quality run retrained the model and succeeded
    run = report["quality_run"]
    assert run["trigger"] == "quality" and run["status"] == "SUCCEEDED"
    assert run["gate"] == "pass" and run["model_package_arn"]
    # And the retrained model was promoted and now serves, back near its holdout accuracy
    assert any(
        p["decision"] == "promote" and p["to"] == run["model_package_arn"]
        for p in report["promotions"]
    )
    assert report["served_by"]["model_package_arn"] == run["model_package_arn"]
    recovered = report["recovered"]
    assert recovered["champion_model_package_arn"] == run["model_package_arn"]
    assert abs(recovered["live"] - recovered["reference"]) <= 0.2 * recovered["reference"]
    assert report["ending"] == "recovered"

    # And each judged window sets the label-free estimate beside the realized accuracy
    compared = [c for c in checks if c["label_free"]["comparison"]]
    assert compared
    for check in compared:
        comparison = check["label_free"]["comparison"]
        assert comparison["realized"] == pytest.approx(check["live"])
        assert comparison["estimated"] is not None
    # The windows judged before the change agree; after it the gap is flagged and lasts
    judged_before = [c for c in compared if _judged_end(c) <= change]
    assert judged_before and not any(
        c["label_free"]["comparison"]["flagged"] for c in judged_before
    )
    on_v1_after = [
        c
        for c in compared
        if _judged_end(c) > change and c["champion_model_package_arn"] != run["model_package_arn"]
    ]
    assert on_v1_after and all(c["label_free"]["comparison"]["flagged"] for c in on_v1_after)
    assert any(c["label_free"]["relationship_changed"] for c in on_v1_after)
    # The estimates used each champion's own calibration, read from its package
    estimated = [c["label_free"] for c in checks if c["label_free"]["rows"]]
    assert estimated and all(f["calibrated"] for f in estimated)
    assert all(f["calibration_uri"].endswith("/evaluation/calibration.json") for f in estimated)
    # While the estimate without labels barely moved: the inputs did not change
    unlabelled = [
        c["label_free"]["estimated_accuracy"]
        for c in checks
        if c["label_free"]["estimated_accuracy"] is not None
        and c["champion_model_package_arn"] != run["model_package_arn"]
    ]
    assert max(unlabelled) - min(unlabelled) < 0.05

    # And the plots and the page exist
    for name in ("live_metric_per_window.png", "estimate_vs_realized.png", "report.html"):
        assert (out / name).stat().st_size > 1000, name


def _at(check):
    return datetime.fromisoformat(check["checked_at"].replace("Z", "+00:00"))


def _judged_end(check):
    return datetime.fromisoformat(check["judged"]["end"].replace("Z", "+00:00"))
