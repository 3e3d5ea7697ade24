"""ComputeBaseline on moto: the snapshot in S3 becomes the run's statistics.json."""

import csv
import io
import json
from dataclasses import dataclass

import boto3
import numpy as np
import pytest
from moto import mock_aws

from lambdas.compute_baseline.handler import handler
from lambdas.shared import csvtext
from lambdas.shared.drift import CsvError, arrowcsv, build_baseline, iter_csv_chunks
from lambdas.shared.settings import model_spec

SPEC = {
    "dataset": "delivery-eta",
    "target": "delivery_minutes",
    "task": "regression",
    "metric": "rmse",
    "direction": "minimize",
    "segment": "city_zone",
    "features": [
        {"name": "distance_km", "type": "numeric", "critical": True},
        {"name": "hour", "type": "numeric", "critical": False},
        {"name": "city_zone", "type": "categorical", "critical": False},
    ],
}
SNAPSHOT_KEY = "snapshots/delivery-eta/v1/data.csv"


@dataclass
class Context:
    function_name: str = "compute-baseline"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:compute-baseline"
    aws_request_id: str = "req-1"


@pytest.fixture
def s3(monkeypatch, function_environment):
    monkeypatch.setenv("MODEL_SPEC", json.dumps(SPEC))
    function_environment("compute_baseline", MODEL_SPEC_URI=None, ARTIFACT_BUCKET="artifacts")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="artifacts")
        client.create_bucket(Bucket="data")
        yield client


def snapshot_csv(rows: int) -> bytes:
    rng = np.random.default_rng(0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["distance_km", "hour", "city_zone", "extra_note", "delivery_minutes"])
    for _ in range(rows):
        writer.writerow(
            [round(rng.gamma(4, 1.5), 3), rng.integers(0, 24), rng.choice(["n", "s"]), "x", 30]
        )
    return out.getvalue().encode()


def test_baseline_of_the_snapshot_lands_under_the_run(s3):
    # Given a snapshot of 2,000 rows
    s3.put_object(Bucket="data", Key=SNAPSHOT_KEY, Body=snapshot_csv(2_000))

    # When the pipeline step runs
    result = handler({"run_id": "run-7", "snapshot_uri": f"s3://data/{SNAPSHOT_KEY}"}, Context())

    # Then statistics.json summarises exactly the spec's features
    assert result == {"uri": "s3://artifacts/runs/run-7/baseline/statistics.json"}
    body = s3.get_object(Bucket="artifacts", Key="runs/run-7/baseline/statistics.json")["Body"]
    baseline = json.loads(body.read())
    assert baseline["dataset"]["item_count"] == 2_000
    assert baseline["dataset"]["target"] == "delivery_minutes"
    assert [f["name"] for f in baseline["features"]] == ["distance_km", "hour", "city_zone"]
    assert baseline["features"][1]["numerical_statistics"]["max"] == 23.0
    zones = baseline["features"][2]["string_statistics"]["distribution"]["categorical"]["buckets"]
    assert sum(b["count"] for b in zones) == 2_000


def test_the_document_is_the_one_the_csv_module_reader_builds(s3, monkeypatch):
    # Given a snapshot with missing and stray values, read in many small pyarrow blocks
    monkeypatch.setattr(arrowcsv, "BLOCK_BYTES", 4096)
    lines = snapshot_csv(3_000).decode().splitlines(keepends=True)
    lines[10] = "NA,3,n,x,30\r\n"
    lines[2000] = "oops,,s,x,30\r\n"
    body = "".join(lines).encode()
    s3.put_object(Bucket="data", Key=SNAPSHOT_KEY, Body=body)

    # When the pipeline step runs
    handler({"run_id": "run-6", "snapshot_uri": f"s3://data/{SNAPSHOT_KEY}"}, Context())

    # Then statistics.json is byte for byte the csv-module path's
    stored = s3.get_object(Bucket="artifacts", Key="runs/run-6/baseline/statistics.json")
    spec = model_spec()
    expected = build_baseline(
        iter_csv_chunks(csvtext.lines(io.BytesIO(body))), spec.features, target=spec.target
    )
    expected["dataset"]["snapshot_uri"] = f"s3://data/{SNAPSHOT_KEY}"
    assert stored["Body"].read() == json.dumps(expected, separators=(",", ":")).encode()


def test_a_snapshot_with_a_short_row_fails_naming_its_line(s3, monkeypatch):
    monkeypatch.setattr(arrowcsv, "BLOCK_BYTES", 4096)
    body = snapshot_csv(1_000) + b"1.5,3\n"
    s3.put_object(Bucket="data", Key=SNAPSHOT_KEY, Body=body)

    with pytest.raises(CsvError, match="line 1002: 2 fields, the header has 5"):
        handler({"run_id": "run-5", "snapshot_uri": f"s3://data/{SNAPSHOT_KEY}"}, Context())


def test_a_missing_snapshot_fails_the_step(s3):
    with pytest.raises(s3.exceptions.NoSuchKey):
        handler({"run_id": "run-8", "snapshot_uri": f"s3://data/{SNAPSHOT_KEY}"}, Context())


def test_an_event_without_snapshot_uri_is_refused(s3):
    with pytest.raises(ValueError, match="snapshot_uri is missing"):
        handler({"run_id": "run-9"}, Context())
