"""The validation job's entry point on local files, and its ExitMessage within 1 KB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdas.shared.contracts import layout
from lambdas.shared.contracts import validation_job as vj
from lambdas.validate_data import job
from lambdas.validate_data.validate import DatasetInvalid, failure_message
from tests.unit.pipeline.data import SPEC_JSON, rows, to_csv

RUN_ID, DATASET, VERSION = "run-1", "delivery-eta", "v1"


def _main(tmp_path: Path, body: bytes) -> dict[str, Path]:
    """Lay the inputs out as SageMaker does, run the job, and answer its local paths."""
    paths = {name: tmp_path / container.lstrip("/") for name, container in vj.PATHS.items()}
    paths["spec"].mkdir(parents=True)
    (paths["spec"] / "0123abcd.json").write_text(SPEC_JSON)
    paths["data"].mkdir(parents=True)
    # SageMaker names the file after the object; the job takes the one CSV there
    (paths["data"] / "snapshot.csv").write_bytes(body)
    values = (RUN_ID, DATASET, VERSION, "data-bucket", "artifact-bucket")
    argv = [f"--{name}={value}" for name, value in zip(vj.ARGUMENTS, values, strict=True)]
    argv += [f"--{name}={path}" for name, path in paths.items()]
    assert job.main(argv) == 0
    return paths


def test_a_valid_snapshot_gets_its_report_and_baseline_and_passes(tmp_path):
    paths = _main(tmp_path, to_csv(rows(60)))

    assert json.loads(paths["message"].read_text()) == {"rows": 60}
    report = json.loads((paths["report"] / f"{VERSION}.json").read_text())
    assert (report["passed"], report["rows"]) == (True, 60)
    assert report["snapshot_uri"] == f"s3://data-bucket/{layout.snapshot_key(DATASET, VERSION)}"
    baseline = json.loads((paths["baseline"] / "statistics.json").read_text())
    assert baseline["dataset"]["item_count"] == 60


def test_an_invalid_snapshot_completes_with_its_report_and_validate_datas_message(tmp_path):
    records = rows(60)
    records[3]["rain_mm"] = "heavy"

    paths = _main(tmp_path, to_csv(records))

    report = json.loads((paths["report"] / f"{VERSION}.json").read_text())
    assert report["passed"] is False
    assert json.loads(paths["message"].read_text()) == {
        "rows": 60,
        "error": "DatasetInvalid",
        "cause": failure_message(DATASET, VERSION, report["errors"]),
    }
    assert not (paths["baseline"] / "statistics.json").exists()


def test_a_message_over_the_exit_message_limit_is_cut_in_its_cause_only():
    outcome = vj.invalid(10, "é" * 2000)

    text = vj.encode(outcome)

    assert len(text.encode("utf-8")) <= vj.MAX_EXIT_MESSAGE
    decoded = json.loads(text)
    assert decoded["error"] == "DatasetInvalid" and decoded["rows"] == 10
    assert decoded["cause"].endswith("...") and decoded["cause"].startswith("é")


def test_the_job_writes_only_the_keys_its_outputs_upload(tmp_path):
    objects = job.LocalObjects(reads={}, writes={("b", "k"): tmp_path / "k"})

    with pytest.raises(KeyError, match="writes no s3://b/other"):
        objects.put_object(Bucket="b", Key="other", Body=b"x")


def test_the_jobs_error_is_the_name_validate_data_raises():
    assert DatasetInvalid.__name__ == vj.DATASET_INVALID
