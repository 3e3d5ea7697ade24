"""Benchmark reading one hour's feedback: per-label S3 objects against the feedback index.

    .venv/bin/python bench/feedback_bench.py [--labels 1000 5000]

Both on moto, in this process. ``s3 objects`` is the layout the index replaced (one
``feedback/yyyy/mm/dd/hh/{id}.json`` object per label: a LIST page per 1,000 keys and a
GET per label); ``index`` is ``lambdas.shared.feedback.read_feedback`` (one Query per
hour, a page per 1 MB). Requests are counted with botocore's event hooks. moto's time per
request is not AWS's; the request count is what carries over (AWS: 10-20 ms a request).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lambdas.shared.capture import Skipped  # noqa: E402
from lambdas.shared.contracts import feedback as contract  # noqa: E402
from lambdas.shared.feedback import read_feedback  # noqa: E402
from tests import inference_table  # noqa: E402

AT = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
TABLE, BUCKET = "inferences", "captures"


def _counting(client) -> list[str]:
    sent: list[str] = []
    client.meta.events.register(
        "provide-client-params.*.*", lambda model, **_: sent.append(model.name)
    )
    return sent


def s3_objects(labels: int) -> tuple[int, float]:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    prefix = f"feedback/{AT:%Y/%m/%d/%H}/"
    for i in range(labels):
        body = json.dumps({"inference_id": f"{i:032x}", "actual": 41.5})
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}{i:032x}.json", Body=body.encode())
    sent = _counting(s3)
    start = time.perf_counter()
    read = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            json.loads(s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())
            read += 1
    assert read == labels
    return len(sent), time.perf_counter() - start


def index(labels: int) -> tuple[int, float]:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    inference_table.create(dynamodb, TABLE)
    hour = contract.hour_key(AT)
    items = [
        {
            "PutRequest": {
                "Item": {
                    "inference_id": {"S": f"{i:032x}"},
                    contract.HOUR: {"S": hour},
                    contract.ACTUAL: {"N": "41.5"},
                }
            }
        }
        for i in range(labels)
    ]
    for first in range(0, labels, 25):
        dynamodb.batch_write_item(RequestItems={TABLE: items[first : first + 25]})
    sent = _counting(dynamodb)
    start = time.perf_counter()
    found = read_feedback(dynamodb, TABLE, Skipped(), start=AT, end=AT)
    assert len(found) == labels
    return len(sent), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, nargs="+", default=[1000, 5000])
    args = parser.parse_args()
    print(
        "| labels in the hour | s3 objects: requests | index: requests | s3 objects: s (moto) "
        "| index: s (moto) | s3 / index, requests |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for labels in args.labels:
        with mock_aws():
            old_requests, old_seconds = s3_objects(labels)
        with mock_aws():
            new_requests, new_seconds = index(labels)
        print(
            f"| {labels:,} | {old_requests:,} | {new_requests:,} | {old_seconds:.2f} "
            f"| {new_seconds:.2f} | {old_requests / new_requests:,.0f}× |"
        )


if __name__ == "__main__":
    main()
