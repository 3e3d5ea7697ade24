"""``shadowloop demo --data``: the story on a user's CSV, every request within AWS's limits."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_diabetes

from shadowloop.cli.main import cli
from shadowloop.localcloud import strict

# The demo keeps its local cloud under .shadowloop/demo: one demo at a time.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("demo")]


def run_demo(csv: Path, out: Path, target: str, shifts: list[str]) -> dict:
    result = CliRunner().invoke(
        cli,
        ["demo", "--data", str(csv), "--target", target, "--out", str(out)]
        + [arg for shift in shifts for arg in ("--shift", shift)],
    )
    assert result.exit_code == 0, result.output
    return json.loads((out / "report.json").read_text())


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == strict.LOG.name]


def test_demo_on_a_csv_bundled_with_scikit_learn(tmp_path, caplog):
    # Given scikit-learn's diabetes table (no generator of ours wrote it), as a CSV
    caplog.set_level(logging.WARNING, logger=strict.LOG.name)
    frame = load_diabetes(as_frame=True, scaled=False).frame
    csv = tmp_path / "diabetes.csv"
    frame.rename(columns={"target": "progression"}).to_csv(csv, index=False)

    # When the demo runs on it
    report = run_demo(csv, tmp_path / "out", "progression", ["bmi=2", "bp=2"])

    # Then a model was trained on it, registered and served, and AWS refused nothing
    first = report["pipeline_runs"][0]
    assert first["status"] == "SUCCEEDED" and first["model_package_arn"]
    assert report["predictions_served"] > 0
    assert refusals(caplog) == []


def test_demo_on_60_features_with_40_character_names(tmp_path, caplog):
    # Given a wide table: 60 numeric features, each name 40 characters long
    caplog.set_level(logging.WARNING, logger=strict.LOG.name)
    rng = np.random.default_rng(0)
    names = [f"sensor_reading_{i:02d}_".ljust(40, "x") for i in range(60)]
    values = rng.normal(size=(1400, 60))
    frame = pd.DataFrame(values, columns=names)
    frame["y"] = values @ rng.normal(size=60) + rng.normal(scale=0.1, size=1400)
    csv = tmp_path / "wide.csv"
    frame.to_csv(csv, index=False)

    # When the whole story runs on it: train, serve, drift, retrain, shadow, promotion check
    report = run_demo(csv, tmp_path / "out", "y", [f"{name}=2" for name in names])

    # Then every run succeeded and no request broke an AWS limit on the way
    assert len(names[0]) == 40
    runs = report["pipeline_runs"]
    assert [r["trigger"] for r in runs] == ["manual", "drift"]
    assert all(r["status"] == "SUCCEEDED" for r in runs), runs
    assert report["predictions_served"] > 0
    assert refusals(caplog) == []
