"""`shadowloop cost` as a user runs it: the table's totals are the JSON's, errors are one line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shadowloop.ops.cost import PRICES_FILE

pytestmark = [pytest.mark.e2e]
SHADOWLOOP = Path(sys.executable).with_name("shadowloop")


def shadowloop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SHADOWLOOP), "cost", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120"},
    )


def table_totals(output: str) -> dict[str, list[float]]:
    """The totals rows of the printed table: name → one figure per volume column."""
    totals = {}
    for row in output.splitlines():
        match = re.match(r"^│ total, (.+?)\s+│\s+│(.*)│$", row)
        if match:
            figures = [cell.strip() for cell in match.group(2).split("│")]
            totals[match.group(1)] = [float(f.strip("$").replace(",", "")) for f in figures]
    return totals


def test_the_table_totals_are_the_json_totals():
    # When a user prices the default volumes as a table and as JSON
    table = shadowloop()
    machine = shadowloop("--json")

    # Then both succeed, and every total in the table is the JSON's at each volume
    assert table.returncode == 0, table.stderr
    assert machine.returncode == 0, machine.stderr
    document = json.loads(machine.stdout)
    volumes = [e["predictions"] for e in document["estimates"]]
    assert volumes == [1_000_000, 100_000_000]
    printed = table_totals(table.stdout)
    expected = {
        name: [e["totals"][name] for e in document["estimates"]]
        for name in document["estimates"][0]["totals"]
    }
    assert printed == expected
    assert set(printed) == {"real-time", "serverless", "real-time + Model Monitor"}
    # And each JSON total is the sum of the lines it counts
    first = document["estimates"][0]
    serverless = sum(
        line["usd"] for line in first["lines"] if line["applies"] in ("both", "serverless")
    )
    assert first["totals"]["serverless"] == pytest.approx(serverless, abs=0.05)
    # And the notes state the assumptions the figures rest on
    assert "capture_record_bytes = 1500" in table.stdout
    assert "us-east-1 list prices checked 2026-12" in table.stdout


def test_repeated_predictions_give_one_column_each():
    result = shadowloop("--json", "--predictions", "10", "--predictions", "5000000")

    assert result.returncode == 0, result.stderr
    estimates = json.loads(result.stdout)["estimates"]
    assert [e["predictions"] for e in estimates] == [10, 5_000_000]
    assert estimates[1]["totals"]["serverless"] > estimates[0]["totals"]["serverless"]


def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path):
    negative = shadowloop("--predictions", "-5")
    book = json.loads(PRICES_FILE.read_text())
    del book["prices"]["api_gateway_request"]
    (tmp_path / "prices.json").write_text(json.dumps(book))
    missing = shadowloop("--prices", str(tmp_path / "prices.json"))

    assert negative.returncode != 0 and negative.stdout == ""
    assert negative.stderr == "error: --predictions: -5 must not be negative\n"
    assert missing.returncode != 0 and missing.stdout == ""
    assert missing.stderr == "error: prices.api_gateway_request: missing price\n"
