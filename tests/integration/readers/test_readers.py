"""The capture and feedback readers on moto, and the scheduled event's time: one rule each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from lambdas.shared import capture, feedback, scheduled

BUCKET = "captures"
ENDPOINT = "shadowloop-dev"
AT = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def line(inference_id: str, at: datetime) -> str:
    return capture.encode_line(
        {"instances": [{"distance_km": 3.0}], "inference_ids": [inference_id]},
        {"predictions": [21.0]},
        event_id=f"e-{inference_id}",
        inference_id=inference_id,
        inference_time=at,
    )


def put_lines(s3, lines: list[str], at: datetime, name: str = "a.jsonl") -> None:
    key = f"{capture.variant_prefix(ENDPOINT, 'champion')}{at:%Y/%m/%d/%H}/{name}"
    s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(lines).encode())


def test_captures_in_the_window_are_read_and_bad_lines_counted(s3):
    # Given good lines, an unreadable line and a record without a readable time
    no_time = json.loads(line("id-3", AT))
    no_time["eventMetadata"]["inferenceTime"] = "yesterday"
    put_lines(s3, [line("id-1", AT), "{not json", json.dumps(no_time), line("id-2", AT)], AT)
    put_lines(s3, [line("id-old", AT - timedelta(hours=2))], AT - timedelta(hours=2), "b.jsonl")

    # When the window's captures are read
    skipped = capture.Skipped()
    records = capture.read_captures(
        s3, BUCKET, ENDPOINT, "champion", skipped, start=AT - timedelta(hours=1), end=AT
    )

    # Then the window's good records come back and both bad ones are counted, not fatal
    assert [r.inference_id for r in records] == ["id-1", "id-2"]
    assert skipped.count == 2
    assert "malformed capture line" in skipped.reasons[0]


def test_without_a_window_every_capture_of_the_variant_is_read(s3):
    put_lines(s3, [line("id-old", AT - timedelta(days=3))], AT - timedelta(days=3))
    put_lines(s3, [line("id-new", AT)], AT)

    skipped = capture.Skipped()
    records = list(capture.read_captures(s3, BUCKET, ENDPOINT, "champion", skipped))

    assert [r.inference_id for r in records] == ["id-old", "id-new"]
    assert skipped.count == 0


def test_feedback_that_cannot_be_read_is_counted_and_skipped(s3):
    # Given one good label and three that cannot be used
    hour = f"{feedback.FEEDBACK_PREFIX}/{AT:%Y/%m/%d/%H}"
    bodies = {
        "id-1": {"inference_id": "id-1", "actual": 30.5},
        "id-2": "not json",
        "id-3": {"inference_id": "id-3", "actual": None},
        "id-4": {"inference_id": "someone-else", "actual": 12.0},
    }
    for inference_id, body in bodies.items():
        raw = body if isinstance(body, str) else json.dumps(body)
        s3.put_object(Bucket=BUCKET, Key=f"{hour}/{inference_id}.json", Body=raw.encode())

    # When the window's labels are read
    skipped = capture.Skipped()
    actuals = feedback.read_feedback(s3, BUCKET, skipped, start=AT, end=AT)

    # Then only the good one is kept and the rest are counted
    assert actuals == {"id-1": 30.5}
    assert skipped.count == 3


def test_feedback_outside_the_window_or_not_wanted_is_not_read(s3):
    for at, inference_id in ((AT, "id-1"), (AT, "id-2"), (AT - timedelta(hours=5), "id-3")):
        key = f"{feedback.FEEDBACK_PREFIX}/{at:%Y/%m/%d/%H}/{inference_id}.json"
        body = json.dumps({"inference_id": inference_id, "actual": 1}).encode()
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    skipped = capture.Skipped()
    window = feedback.read_feedback(s3, BUCKET, skipped, start=AT, end=AT, wanted={"id-2"})
    everything = feedback.read_feedback(s3, BUCKET, skipped)

    assert window == {"id-2": 1}
    assert set(everything) == {"id-1", "id-2", "id-3"}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"time": "2026-11-23T12:00:00Z"}, datetime(2026, 11, 23, 12, tzinfo=UTC)),
        ({"window_end": "2026-11-23T13:00:00"}, datetime(2026, 11, 23, 13, tzinfo=UTC)),
    ],
)
def test_a_scheduled_event_gives_its_time(event, expected):
    assert scheduled.window_end(event, "drift check") == expected


@pytest.mark.parametrize("event", [{}, {"time": "soon"}, {"time": 12}, None])
def test_a_scheduled_event_without_a_readable_time_is_one_clear_error(event):
    with pytest.raises(scheduled.EventTimeMissing, match=r"^drift check event: 'time'"):
        scheduled.window_end(event, "drift check")


def test_requests_hold_the_records_instances_and_skip_what_records_skip(s3):
    # Given good lines, a broken one, one whose metadata is not an object, and one without a time
    no_time = json.loads(line("n", AT))
    del no_time["eventMetadata"]["inferenceTime"]
    bad_metadata = json.loads(line("m", AT)) | {"eventMetadata": ["not", "an", "object"]}
    lines = [line("a", AT), "{broken", json.dumps(bad_metadata), json.dumps(no_time), line("b", AT)]
    put_lines(s3, lines, AT)

    # When both readers read the same hour
    window = {"start": AT - timedelta(hours=1), "end": AT + timedelta(hours=1)}
    skipped_records, skipped_requests = capture.Skipped(), capture.Skipped()
    records = list(
        capture.read_captures(s3, BUCKET, ENDPOINT, "champion", skipped_records, **window)
    )
    requests = list(
        capture.read_requests(s3, BUCKET, ENDPOINT, "champion", skipped_requests, **window)
    )

    # Then they keep the same instances, in order, and count the same three lines as skipped
    assert [r.features for r in records] == [i for q in requests for i in q.instances]
    assert [r.inference_id for r in records] == ["a", "b"]
    assert skipped_records == skipped_requests
    assert skipped_records.count == 3
    assert "no readable inferenceTime" in skipped_records.reasons[2]


def test_a_line_nested_past_the_parser_limit_is_skipped_not_fatal(s3):
    put_lines(s3, [line("a", AT), "[" * 100_000 + "]" * 100_000], AT)

    skipped = capture.Skipped()
    records = list(capture.read_captures(s3, BUCKET, ENDPOINT, "champion", skipped))

    assert [r.inference_id for r in records] == ["a"] and skipped.count == 1
