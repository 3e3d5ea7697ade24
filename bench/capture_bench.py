"""The local cloud's capture writer: µs per request, one object per request vs batched.

    .venv/bin/python bench/capture_bench.py [--requests 20000]

Both sides write the same SageMaker capture lines into moto S3 through the same S3
backend call, alternating in one run: "per request" puts one object per line (what the
local cloud did), "batched" hands each line to ``CaptureBatches`` (one object per
variant per interval, at most 1,000 lines) and flushes at the end, as a reader's first
listing would. Prints one JSON line with µs per request of each, their ratio and the
objects written. Only the writer is measured, not the inference in front of it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.s3.models import s3_backends  # noqa: E402

from lambdas.shared import capture  # noqa: E402
from shadowloop.localcloud.capture_batches import CaptureBatches, Destination  # noqa: E402

BUCKET = "bench-captures"
AT = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
DIRECTORY = "capture/bench/champion/2026/11/23/12"


def lines(n: int) -> list[str]:
    instance = {"distance_km": 3.2, "rain_mm": 1.5, "traffic_index": 0.7, "city_zone": "north"}
    out = []
    for _ in range(n):
        ids = [str(uuid.uuid4())]
        request = {"instances": [instance], "inference_ids": ids}
        out.append(
            capture.encode_line(
                request, {"predictions": [31.0]}, event_id=ids[0], inference_id=ids[0],
                inference_time=AT,
            )
        )  # fmt: skip
    return out


def put(destination: Destination, key: str, body: bytes) -> None:
    s3_backends[destination.account_id]["aws"].put_object(destination.bucket, key, body)


def per_request(captured: list[str], destination: Destination) -> float:
    started = time.perf_counter()
    for line in captured:
        put(destination, f"{DIRECTORY}/{uuid.uuid4()}.jsonl", (line + "\n").encode())
    return time.perf_counter() - started


def batched(captured: list[str], destination: Destination) -> float:
    batches = CaptureBatches(put)
    started = time.perf_counter()
    for line in captured:
        batches.add(destination, line)
    batches.flush()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    captured = lines(args.requests)
    timings: dict[str, list[float]] = {"per_request": [], "batched": []}
    objects = {}
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for round_ in range(args.rounds):
            for name, write in (("per_request", per_request), ("batched", batched)):
                bucket = f"{BUCKET}-{round_}-{name.replace('_', '-')}"
                s3.create_bucket(Bucket=bucket)
                destination = Destination("123456789012", "us-east-1", bucket, DIRECTORY, None, "m")
                timings[name].append(write(captured, destination))
                objects[name] = len(s3_backends["123456789012"]["aws"].buckets[bucket].keys)
    us = {k: round(statistics.median(v) / args.requests * 1e6, 1) for k, v in timings.items()}
    print(json.dumps({
        "requests": args.requests,
        "us_per_request": us,
        "ratio": round(us["batched"] / us["per_request"], 3),
        "objects": objects,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
