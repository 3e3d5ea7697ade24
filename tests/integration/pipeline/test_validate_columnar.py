"""ValidateData checks a snapshot by columns or, outside a size range, by rows: one report."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lambdas.validate_data import validate
from lambdas.validate_data.handler import handler
from lambdas.validate_data.validate import DatasetInvalid
from tests.integration.pipeline.conftest import DATA_BUCKET, DATASET, push_dataset, read
from tests.unit.pipeline.data import TARGET, rows, to_csv


def _dataset() -> bytes:
    data = rows(300)
    data[10]["rain_mm"] = "heavy"
    data[20]["hour"] = " NA "
    data[30][TARGET] = ""
    data[40]["city_zone"] = 'east, "old town"'
    return b"\xef\xbb\xbf" + to_csv(data + data[:7]).replace(b"\n", b"\r\n")


def _report_after_run(s3, context) -> dict:
    version_id = push_dataset(s3, _dataset())
    with pytest.raises(DatasetInvalid) as raised:
        handler({"run_id": "run-1", "dataset": DATASET, "version_id": None}, context)
    report = json.loads(read(s3, DATA_BUCKET, f"reports/validation/{DATASET}/{version_id}.json"))
    return {**report, "message": str(raised.value).split(": ", 1)[1]}


def test_by_columns_or_streamed_by_rows_the_report_is_the_same(s3, context, monkeypatch):
    monkeypatch.setattr(validate, "COLUMNAR_MIN_BYTES", 0)
    by_columns = _report_after_run(s3, context)
    monkeypatch.setattr(validate, "COLUMNAR_MAX_BYTES", 0)
    # Outside the bounds the snapshot is never read whole.
    monkeypatch.setattr(validate, "check_csv", None)
    by_rows = _report_after_run(s3, context)

    drop = ("version_id", "snapshot_uri")
    assert {k: v for k, v in by_rows.items() if k not in drop} == {
        k: v for k, v in by_columns.items() if k not in drop
    }
    assert by_columns["errors"] == [
        "column 'rain_mm': 1 value is not a number (row 12)",
        "column 'delivery_minutes': 1 value missing (row 32); the target must never be missing",
    ]
    assert by_columns["duplicates"] == 7
    assert by_columns["columns"]["hour"]["missing"] == 1
    assert by_columns["columns"]["city_zone"]["distinct"] == 5


def test_importing_the_handler_loads_no_pyarrow():
    probe = "import sys, lambdas.validate_data.handler; print('pyarrow' in sys.modules)"

    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)

    assert loaded.stdout.strip() == "False", loaded.stderr
