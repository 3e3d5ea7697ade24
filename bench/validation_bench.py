"""ValidateData and ComputeBaseline on one snapshot, as their Lambdas run them.

    .venv/bin/python bench/validation_bench.py [--rows 400000] [--seed 7]

One seeded delivery-ETA dataset of ``--rows`` rows (the spec the pipeline tests use, 1%
of ``rain_mm`` missing in mixed spellings, 0.1% duplicate rows) is pushed to moto S3.
Then the deployed handlers run in this process, one after the other: ValidateData pins
and checks the version, ComputeBaseline reads the snapshot it pinned. Prints one JSON
line per handler (``rows``, ``seconds``, ``rows_per_s``, ``cpu_seconds``) and one with
both together. Wall-clock and CPU time each include moto's S3 work, as Lambda's include S3;
a last line times ValidateData's check alone on the same bytes in memory (no S3).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from tests.unit.pipeline.data import COLUMNS, SPEC_JSON, ZONES  # noqa: E402

DATA_BUCKET = "bench-data"
ARTIFACT_BUCKET = "bench-artifacts"
DATASET = "delivery-eta"
MISSING = ("", "NA", " null ", "NaN")


@dataclass
class Context:
    function_name: str = "bench"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id: str = "bench-1"


def dataset(rows: int, seed: int) -> bytes:
    """A delivery-ETA CSV: numbers as a pandas export writes them, a few gaps and repeats."""
    rng = np.random.default_rng(seed)
    distance = np.round(rng.uniform(0.5, 12, rows), 2)
    rain = np.round(np.maximum(0.0, rng.normal(1, 2, rows)), 1)
    traffic = np.round(rng.uniform(0, 1, rows), 3)
    prep = rng.integers(5, 26, rows)
    target = np.round(prep + 3 * distance * (1 + traffic) + 2 * rain, 1)
    columns = [
        distance.astype(str),
        rng.integers(0, 24, rows).astype(str),
        rng.integers(0, 7, rows).astype(str),
        rain.astype(str).astype(object),
        traffic.astype(str),
        prep.astype(str),
        rng.integers(1, 9, rows).astype(str),
        np.array(ZONES)[rng.integers(0, len(ZONES), rows)],
        target.astype(str),
    ]
    gaps = rng.choice(rows, rows // 100, replace=False)
    columns[3][gaps] = np.array(MISSING, dtype=object)[rng.integers(0, len(MISSING), gaps.size)]
    lines = [",".join(fields) for fields in zip(*columns, strict=True)]
    repeats = rng.choice(rows - 1, rows // 1000, replace=False)
    for index in repeats:
        lines[index + 1] = lines[index]
    return ("\n".join([",".join(COLUMNS), *lines]) + "\n").encode("utf-8")


def check(body: bytes) -> Any:
    """ValidateData's check of the snapshot's bytes, as its handler runs it."""
    from lambdas.shared.settings import ModelSpec
    from lambdas.validate_data import validate

    spec = ModelSpec.from_dict(json.loads(SPEC_JSON))
    if hasattr(validate, "check_csv"):
        return validate.check_csv(body, spec)
    from lambdas.shared import csvtext  # the row loop, before the columnar check

    return validate.check(csvtext.records(io.BytesIO(body)), spec)


def timed(run: Callable[[], Any]) -> tuple[Any, float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - started, time.process_time() - cpu


def line(step: str, rows: int, seconds: float, cpu_seconds: float) -> dict[str, Any]:
    return {
        "step": step,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "cpu_seconds": round(cpu_seconds, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ.update(
        MODEL_SPEC=SPEC_JSON,
        DATA_BUCKET=DATA_BUCKET,
        ARTIFACT_BUCKET=ARTIFACT_BUCKET,
        AWS_DEFAULT_REGION="us-east-1",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
        POWERTOOLS_METRICS_NAMESPACE="bench",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_SERVICE_NAME="bench",
    )
    body = dataset(args.rows, args.seed)
    # Imported here: the handlers' settings and clients are made on first use, inside moto.
    from lambdas.compute_baseline.handler import handler as compute_baseline
    from lambdas.validate_data.handler import handler as validate_data

    with mock_aws():
        s3 = boto3.client("s3")
        for bucket in (DATA_BUCKET, ARTIFACT_BUCKET):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=DATA_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=DATA_BUCKET, Key=f"datasets/{DATASET}/data.csv", Body=body)
        event = {"run_id": "bench", "dataset": DATASET, "version_id": None}
        validated, v_seconds, v_cpu = timed(lambda: validate_data(event, Context()))
        snapshot = {"run_id": "bench", "snapshot_uri": validated["snapshot_uri"]}
        _, b_seconds, b_cpu = timed(lambda: compute_baseline(snapshot, Context()))
    rows = validated["rows"]
    _, c_seconds, c_cpu = timed(lambda: check(body))
    for result in (
        line("validate_data", rows, v_seconds, v_cpu),
        line("compute_baseline", rows, b_seconds, b_cpu),
        line("both", rows, v_seconds + b_seconds, v_cpu + b_cpu),
        line("validate_data_check", rows, c_seconds, c_cpu),
    ):
        print(json.dumps({**result, "megabytes": round(len(body) / 1e6, 1)}))


if __name__ == "__main__":
    main()
