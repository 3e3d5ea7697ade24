"""Benchmark the REST API Lambda: request overhead, cold import and asset size.

    .venv/bin/python bench/api_bench.py [--iterations 5000] [--imports 7]

The predict overhead excludes the endpoint call, the table write and the describe
calls: those clients are tiny fakes with fixed answers, so what is timed is
Powertools routing, validation, response shaping, logging and metrics.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMAND = ".venv/bin/python bench/api_bench.py"
BATCH = 10
PACKAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/delivery-eta/3"
SPEC = {
    "dataset": "delivery-eta",
    "target": "delivery_minutes",
    "task": "regression",
    "metric": "rmse",
    "direction": "minimize",
    "features": [
        {"name": "distance_km", "type": "numeric"},
        {"name": "hour", "type": "numeric"},
        {"name": "weekday", "type": "numeric"},
        {"name": "rain_mm", "type": "numeric"},
        {"name": "traffic_index", "type": "numeric"},
        {"name": "prep_minutes", "type": "numeric"},
        {"name": "items", "type": "numeric"},
        {"name": "city_zone", "type": "categorical"},
    ],
}
RECORD = {
    "distance_km": 4.2,
    "hour": 18,
    "weekday": 4,
    "rain_mm": 1.5,
    "traffic_index": 0.7,
    "prep_minutes": 12,
    "items": 3,
    "city_zone": "north",
}
ENVIRONMENT = {
    "ENDPOINT_NAME": "shadowloop-dev",
    "CAPTURE_BUCKET": "shadowloop-dev-captures",
    "INFERENCE_TABLE": "shadowloop-dev-inferences",
    "MODEL_PACKAGE_GROUP": "shadowloop-dev-delivery-eta",
    "MAX_BATCH": "100",
    "MODEL_SPEC": json.dumps(SPEC),
    "POWERTOOLS_METRICS_NAMESPACE": "shadowloop",
    "POWERTOOLS_SERVICE_NAME": "shadowloop-api",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class FakeRuntime:
    def invoke_endpoint(self, **request: Any) -> dict[str, Any]:
        count = len(json.loads(request["Body"])["instances"])
        body = json.dumps({"predictions": [31.5] * count}).encode()
        return {"Body": io.BytesIO(body), "InvokedProductionVariant": "champion"}


class FakeSageMaker:
    def describe_endpoint(self, **_: Any) -> dict[str, Any]:
        return {"EndpointConfigName": "config-1", "EndpointStatus": "InService"}

    def describe_endpoint_config(self, **_: Any) -> dict[str, Any]:
        return {"ProductionVariants": [{"VariantName": "champion", "ModelName": "model-1"}]}

    def describe_model(self, **_: Any) -> dict[str, Any]:
        return {"PrimaryContainer": {"ModelPackageName": PACKAGE_ARN}}

    def describe_model_package(self, **_: Any) -> dict[str, Any]:
        return {"ModelPackageVersion": 3, "ModelApprovalStatus": "Approved"}


class FakeDynamoDB:
    def batch_write_item(self, **_: Any) -> dict[str, Any]:
        return {"UnprocessedItems": {}}


def predict_overhead(iterations: int) -> dict[str, tuple[float, float]]:
    """p50 and p99 in ms of one 10-record POST /predict, by wall clock and by CPU time."""
    os.environ.update(ENVIRONMENT)
    from lambdas.shared import clients

    fakes = {"sagemaker-runtime": FakeRuntime(), "sagemaker": FakeSageMaker()}
    fakes["dynamodb"] = FakeDynamoDB()
    clients.client = fakes.__getitem__
    clients.sagemaker_runtime = lambda: fakes["sagemaker-runtime"]
    clients.sagemaker = lambda: fakes["sagemaker"]
    from tests.integration.api.events import LambdaContext, rest_event

    event = rest_event("POST", "/predict", {"instances": [RECORD] * BATCH})
    context = LambdaContext()
    wall, cpu = [], []
    # Logs and EMF metrics go to stdout; the timing keeps their cost but not the noise.
    with contextlib.redirect_stdout(io.StringIO()) as sink:
        from lambdas.api.handler import handler

        assert handler(event, context)["statusCode"] == 200
        for _ in range(iterations):
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            handler(event, context)
            cpu.append((time.process_time() - cpu_start) * 1000)
            wall.append((time.perf_counter() - wall_start) * 1000)
            sink.seek(0)
            sink.truncate()
    return {"wall": _p50_p99(wall), "cpu": _p50_p99(cpu)}


def _p50_p99(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


# Checkpoints: the libraries (boto3, Powertools), then the X-Ray SDK that Tracer()
# loads (it builds a botocore client at import), then the handler and its modules.
_IMPORT_PROBE = """
import time
clocks = (time.perf_counter, time.process_time)
marks = [[c() for c in clocks]]
import boto3, aws_lambda_powertools.event_handler, aws_lambda_powertools.logging
marks.append([c() for c in clocks])
import aws_xray_sdk.core
marks.append([c() for c in clocks])
import lambdas.api.handler
marks.append([c() for c in clocks])
for clock in range(2):
    print(*[(later[clock] - earlier[clock]) * 1000 for earlier, later in zip(marks, marks[1:])])
"""
PARTS = ("boto3 and Powertools", "X-Ray SDK (Tracer)", "lambdas.api and the rest")


def cold_import(runs: int) -> dict[str, list[float]]:
    """Median ms of each import part in a fresh interpreter, by wall clock and CPU time."""
    wall, cpu = [], []
    env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(ROOT)}
    for _ in range(runs):
        lines = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout.splitlines()
        wall.append([float(v) for v in lines[0].split()])
        cpu.append([float(v) for v in lines[1].split()])
    return {
        "wall": [statistics.median(part) for part in zip(*wall, strict=True)],
        "cpu": [statistics.median(part) for part in zip(*cpu, strict=True)],
    }


def asset_size() -> int:
    """Bytes of the deployed zip: the ``lambdas/`` package without caches."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((ROOT / "lambdas").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(ROOT))
    return len(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--imports", type=int, default=7)
    args = parser.parse_args(argv)
    imports = cold_import(args.imports)
    overhead = predict_overhead(args.iterations)
    size = asset_size()
    print(
        f"`{COMMAND}` (iterations={args.iterations}, import runs={args.imports}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n"
    )
    print("| measure | wall clock | CPU time | target |")
    print("|---|---|---|---|")
    for label, p in (("p50", 0), ("p99", 1)):
        target = "≤ 1 ms" if p == 0 else "≤ 5 ms"
        print(
            f"| predict overhead {label} ({BATCH} records) | {overhead['wall'][p]:.3f} ms "
            f"| {overhead['cpu'][p]:.3f} ms | {target} |"
        )
    wall, cpu = imports["wall"], imports["cpu"]
    print(
        f"| cold import of lambdas.api.handler | {sum(wall):.0f} ms | {sum(cpu):.0f} ms "
        "| ≤ 300 ms |"
    )
    for part, wall_ms, cpu_ms in zip(PARTS, wall, cpu, strict=True):
        print(f"| of which {part} | {wall_ms:.0f} ms | {cpu_ms:.0f} ms | |")
    print(f"| asset: zip of lambdas/ | {size / 1024:.0f} KiB | | ≤ 1 MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
