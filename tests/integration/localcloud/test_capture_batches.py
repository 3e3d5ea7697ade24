"""Capture lines written as SageMaker writes them: one object per variant per interval."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from moto.s3.models import s3_backends

from shadowloop.localcloud.capture_batches import CaptureBatches, Destination

BUCKET = "captures"
DIRECTORY = "capture/shadowloop-dev/champion/2026/11/23/12"


def destination(variant: str = "champion") -> Destination:
    directory = DIRECTORY.replace("champion", variant)
    return Destination("123456789012", "us-east-1", BUCKET, directory, None, "m")


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def write(destination: Destination, key: str, body: bytes) -> None:
    s3_backends[destination.account_id]["aws"].put_object(destination.bucket, key, body)


def objects(s3, prefix: str = "capture/") -> dict[str, list[str]]:
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {
        item["Key"]: s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read().splitlines()
        for item in listing
    }


def test_a_variants_lines_are_one_object_that_a_listing_sees_at_once(s3):
    batches = CaptureBatches(write, interval_s=3600)
    batches.install()
    try:
        # Given 50 requests on each variant inside one interval
        for i in range(50):
            batches.add(destination(), f'{{"n": {i}}}')
            batches.add(destination("challenger"), f'{{"n": {i}}}')

        # When a reader lists the bucket, with nothing flushed by hand
        found = objects(s3)
    finally:
        batches.uninstall()

    # Then each variant has one object under its hour, every line in order
    assert sorted(k.rsplit("/", 1)[0] for k in found) == sorted(
        [DIRECTORY, DIRECTORY.replace("champion", "challenger")]
    )
    for lines in found.values():
        assert lines == [f'{{"n": {i}}}'.encode() for i in range(50)]
    assert batches.pending() == 0


def test_an_object_closes_at_its_interval_or_its_line_limit(s3):
    now = [0.0]
    batches = CaptureBatches(write, interval_s=5.0, max_lines=3, clock=lambda: now[0])
    for i in range(7):  # 3 + 3 by the limit; the 7th waits
        batches.add(destination(), str(i))
    assert sorted(len(v) for v in objects(s3).values()) == [3, 3]

    now[0] = 10.0
    batches.add(destination(), "7")  # the buffer opened at 0 s is past its interval

    assert sorted(len(v) for v in objects(s3).values()) == [2, 3, 3]


def test_uninstalling_writes_what_is_buffered(s3):
    batches = CaptureBatches(write, interval_s=3600)
    batches.install()
    batches.add(destination(), "1")
    batches.uninstall()

    assert list(objects(s3).values()) == [[b"1"]]
