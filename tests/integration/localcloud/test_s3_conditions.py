"""Conditional PutObject on the local cloud: refused where S3 refuses it, atomic under a race."""

from __future__ import annotations

import sys
import threading

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from shadowloop.localcloud.s3_conditions import AtomicConditionalWrites


@pytest.fixture
def s3():
    guard = AtomicConditionalWrites()
    with mock_aws():
        guard.install()
        client = boto3.client("s3")
        client.create_bucket(Bucket="artifacts")
        yield client
        guard.uninstall()


def _code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    error = exc.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]


def test_a_stale_if_match_is_refused_with_412_and_the_object_is_kept(s3):
    # Given an object read at one ETag and overwritten since
    stale = s3.put_object(Bucket="artifacts", Key="state.json", Body=b"1")["ETag"]
    s3.put_object(Bucket="artifacts", Key="state.json", Body=b"2")

    # When a writer holding the old ETag writes
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="artifacts", Key="state.json", Body=b"3", IfMatch=stale)

    # Then S3's answer: 412 PreconditionFailed, and the newer body stays
    assert _code(refused) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket="artifacts", Key="state.json")["Body"].read() == b"2"


def test_if_match_on_the_current_etag_writes(s3):
    current = s3.put_object(Bucket="artifacts", Key="state.json", Body=b"1")["ETag"]

    s3.put_object(Bucket="artifacts", Key="state.json", Body=b"2", IfMatch=current)

    assert s3.get_object(Bucket="artifacts", Key="state.json")["Body"].read() == b"2"


def test_if_none_match_refuses_an_existing_key(s3):
    s3.put_object(Bucket="artifacts", Key="report.json", Body=b"first")

    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="artifacts", Key="report.json", Body=b"second", IfNoneMatch="*")

    assert _code(refused) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket="artifacts", Key="report.json")["Body"].read() == b"first"


@pytest.fixture
def frequent_thread_switches():
    """Switch threads every microsecond, so moto's check-then-write gap is hit when open."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def test_racing_if_none_match_writers_have_exactly_one_winner(s3, frequent_thread_switches):
    # Given ten writers released at once on each of sixty keys (moto alone let two
    # writers win about one race in twenty)
    winners: dict[str, list[int]] = {}

    def write(key: str, writer: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            s3.put_object(Bucket="artifacts", Key=key, Body=str(writer), IfNoneMatch="*")
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "PreconditionFailed"
        else:
            winners.setdefault(key, []).append(writer)

    for round_ in range(60):
        key, barrier = f"race/{round_}.json", threading.Barrier(10)
        threads = [threading.Thread(target=write, args=(key, i, barrier)) for i in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # Then each key was written once, by the writer whose body is stored
    assert all(len(w) == 1 for w in winners.values()) and len(winners) == 60
    for key, [writer] in winners.items():
        assert s3.get_object(Bucket="artifacts", Key=key)["Body"].read() == str(writer).encode()
