"""Benchmark the validation job against the ValidateData and ComputeBaseline Lambdas' logic.

    .venv/bin/python bench/validation_job_bench.py [--rows 500000]

One seeded delivery dataset of ``--rows`` rows, measured side by side in one run:

- the Lambda path: ``validate_dataset`` then ``compute_baseline`` on moto S3, in-process;
- the job path: ``python -m lambdas.validate_data.job`` on local files, in a subprocess,
  with its peak RSS (what sizes the processing instance).

Both must write the same report and ``statistics.json``; the bench checks that first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(
    AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from infra.config import load_from_cdk_json  # noqa: E402
from lambdas.compute_baseline.baseline import compute_baseline  # noqa: E402
from lambdas.shared.contracts import layout  # noqa: E402
from lambdas.shared.contracts import validation_job as vj  # noqa: E402
from lambdas.shared.contracts.model_spec import ModelSpec  # noqa: E402
from lambdas.validate_data.validate import validate_dataset  # noqa: E402
from shadowloop.ops import examples  # noqa: E402

DATA, ARTIFACTS, DATASET, RUN = "data", "artifacts", "delivery-eta", "bench"


def lambda_path(body: bytes, spec: ModelSpec) -> tuple[float, bytes, bytes, str]:
    with mock_aws():
        s3 = boto3.client("s3")
        for bucket in (DATA, ARTIFACTS):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=DATA, VersioningConfiguration={"Status": "Enabled"})
        version = s3.put_object(Bucket=DATA, Key=layout.dataset_key(DATASET), Body=body)[
            "VersionId"
        ]
        started = time.perf_counter()
        result = validate_dataset(
            s3, data_bucket=DATA, spec=spec, dataset=DATASET, version_id=version
        )
        compute_baseline(
            s3,
            run_id=RUN,
            snapshot_uri=str(result["snapshot_uri"]),
            artifact_bucket=ARTIFACTS,
            spec=spec,
        )
        seconds = time.perf_counter() - started
        report = s3.get_object(Bucket=DATA, Key=layout.report_key(DATASET, version))["Body"]
        baseline = s3.get_object(Bucket=ARTIFACTS, Key=layout.baseline_key(RUN))["Body"]
        return seconds, report.read(), baseline.read(), version


def job_path(body: bytes, spec_json: str, version: str, work: Path) -> tuple[float, int, Path]:
    paths = {name: work / container.lstrip("/") for name, container in vj.PATHS.items()}
    paths["spec"].mkdir(parents=True)
    (paths["spec"] / "spec.json").write_text(spec_json)
    paths["data"].mkdir(parents=True)
    (paths["data"] / "data.csv").write_bytes(body)
    values = (RUN, DATASET, version, DATA, ARTIFACTS)
    argv = [f"--{n}={v}" for n, v in zip(vj.ARGUMENTS, values, strict=True)]
    argv += [f"--{n}={p}" for n, p in paths.items()]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", vj.ENTRY_MODULE, *argv], cwd=ROOT, check=True)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kb, work


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    rows = parser.parse_args().rows
    spec_json = load_from_cdk_json().model.to_json()  # the file the stack ships
    parsed = ModelSpec.from_dict(json.loads(spec_json))
    body = examples.generate("baseline", rows=rows, seed=0).to_csv(index=False).encode()
    print(f"{rows} rows, {len(body) / 1e6:.1f} MB; load: {os.getloadavg()[0]:.2f}")
    lambda_s, report, baseline, version = lambda_path(body, parsed)
    with tempfile.TemporaryDirectory() as work:
        job_s, peak_kb, root = job_path(body, spec_json, version, Path(work))
        paths = {name: root / container.lstrip("/") for name, container in vj.PATHS.items()}
        same_report = (paths["report"] / f"{version}.json").read_bytes() == report
        same_baseline = (paths["baseline"] / "statistics.json").read_bytes() == baseline
    assert same_report and same_baseline, "the job and the Lambdas disagree"
    print(f"Lambda logic (moto S3): {lambda_s:7.2f} s  ({len(body) / 1e6 / lambda_s:.1f} MB/s)")
    print(f"job (local files):      {job_s:7.2f} s  ({len(body) / 1e6 / job_s:.1f} MB/s)")
    print(f"job / Lambda time: {job_s / lambda_s:.2f}; job peak RSS {peak_kb / 1024:.0f} MB")
    print(f"peak RSS per row: {peak_kb * 1024 / rows:.0f} bytes")


if __name__ == "__main__":
    main()
