"""``shadowloop baseline`` and ``shadowloop drift`` through click's runner."""

import csv
import json

import pytest
from click.testing import CliRunner

from shadowloop.cli.drift import baseline_command, drift_command
from tests.unit.drift.data import delivery_rows


def write_csv(path, columns, target=None):
    names = list(columns) + ([target] if target else [])
    rows = len(next(iter(columns.values())))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for i in range(rows):
            writer.writerow([columns[n][i] for n in columns] + ([30 + i % 7] if target else []))
    return path


@pytest.fixture
def statistics(tmp_path):
    data = write_csv(tmp_path / "train.csv", delivery_rows(3_000, seed=1), target="minutes")
    out = tmp_path / "statistics.json"
    result = CliRunner().invoke(
        baseline_command, [str(data), "--out", str(out), "--target", "minutes"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_baseline_infers_types_and_leaves_out_the_target(statistics):
    baseline = json.loads(statistics.read_text())

    types = {f["name"]: f["inferred_type"] for f in baseline["features"]}
    assert types == {
        "distance_km": "Fractional",
        "hour": "Integral",
        "rain_mm": "Fractional",
        "city_zone": "String",
    }
    assert baseline["dataset"] == {"item_count": 3_000, "target": "minutes"}


def test_categorical_option_overrides_inference(tmp_path):
    data = write_csv(tmp_path / "train.csv", delivery_rows(500, seed=1))
    out = tmp_path / "statistics.json"

    result = CliRunner().invoke(
        baseline_command, [str(data), "--out", str(out), "--categorical", "hour"]
    )

    assert result.exit_code == 0
    hour = next(f for f in json.loads(out.read_text())["features"] if f["name"] == "hour")
    assert hour["inferred_type"] == "String"


def test_drift_prints_a_table_and_the_verdict_and_writes_the_report(tmp_path, statistics):
    current = write_csv(tmp_path / "current.csv", delivery_rows(2_000, seed=5, shift=0.5))
    out = tmp_path / "report.json"

    result = CliRunner().invoke(drift_command, [str(statistics), str(current), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "distance_km" in result.output and "city_zone" in result.output
    assert "DRIFTED" in result.output
    report = json.loads(out.read_text())
    assert report["status"] == "ok" and report["drifted"] is True and report["rows"] == 2_000
    assert set(report["features"]["distance_km"]) >= {
        "type", "psi", "js", "wasserstein", "ks", "ks_pvalue",
        "missing_share", "out_of_range_share", "type_errors", "drifted",
    }  # fmt: skip
    assert set(report["features"]["city_zone"]) >= {
        "type", "psi", "js", "linf", "unseen_share", "missing_share", "drifted",
    }  # fmt: skip


def test_drift_exits_0_without_drift(tmp_path, statistics):
    current = write_csv(tmp_path / "current.csv", delivery_rows(2_000, seed=6))

    result = CliRunner().invoke(drift_command, [str(statistics), str(current)])

    assert result.exit_code == 0
    assert "no drift" in result.output


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda d, s: [str(d / "absent.json"), str(s)], "error: cannot read"),
        (lambda d, s: [str(s), str(s)], "not a JSON document"),
        (
            lambda d, s: [str(_write(d / "bad.json", '{"features": 1}')), str(s)],
            "baseline is malformed",
        ),
        (lambda d, s: ["STATS", str(_write(d / "ragged.csv", "a,b\n1\n"))], "line 2"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, statistics, make_args, message):
    args = [str(statistics) if a == "STATS" else a for a in make_args(tmp_path, tmp_path / "c.csv")]
    _write(tmp_path / "c.csv", "distance_km\n1\n")

    result = CliRunner().invoke(drift_command, args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_baseline_of_a_missing_file_is_exit_2(tmp_path):
    result = CliRunner().invoke(
        baseline_command, [str(tmp_path / "nope.csv"), "--out", str(tmp_path / "s.json")]
    )

    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot read")


def test_help_explains_the_commands():
    assert "statistics.json" in CliRunner().invoke(baseline_command, ["--help"]).output
    assert "--threshold" in CliRunner().invoke(drift_command, ["--help"]).output


def _write(path, text):
    path.write_text(text)
    return path
