"""State written on the ETag it was read with: a stale writer merges instead of overwriting."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from lambdas.shared import conditional


@pytest.fixture
def s3(atomic_s3):
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="artifacts")
        yield client


def _merge(mine):
    def change(current):
        current = current or {}
        return current | {k: max(current.get(k, 0), v) for k, v in mine.items()}

    return change


def test_a_first_write_creates_the_object_once(s3):
    assert conditional.update_json(s3, "artifacts", "state.json", _merge({"end": 1})) == {"end": 1}
    assert conditional.read_json(s3, "artifacts", "state.json").body == {"end": 1}


def test_a_writer_holding_a_stale_etag_merges_with_what_won(s3):
    # Given two writers that read the same version
    conditional.update_json(s3, "artifacts", "state.json", _merge({"end": 1, "started": 0}))
    read = conditional.read_json(s3, "artifacts", "state.json")
    conditional.update_json(s3, "artifacts", "state.json", _merge({"started": 5}), read=read)

    # When the second writes from the version it read, now stale
    stored = conditional.update_json(s3, "artifacts", "state.json", _merge({"end": 3}), read=read)

    # Then the winner's value survives beside the loser's
    assert stored == {"end": 3, "started": 5}
    assert conditional.read_json(s3, "artifacts", "state.json").body == stored


def test_write_once_keeps_the_first_body(s3):
    assert conditional.write_once(s3, "artifacts", "report.json", {"n": 1}) is True
    assert conditional.write_once(s3, "artifacts", "report.json", {"n": 2}) is False
    assert conditional.read_json(s3, "artifacts", "report.json").body == {"n": 1}


def test_a_missing_object_reads_as_empty(s3):
    assert conditional.read_json(s3, "artifacts", "nothing.json") == conditional.Stored()
