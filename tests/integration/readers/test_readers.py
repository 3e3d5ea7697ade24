"""The capture and feedback readers on moto, and the scheduled event's time: one rule each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from lambdas.shared import capture, feedback, scheduled
from lambdas.shared.contracts import feedback as contract
from tests import inference_table

BUCKET = "captures"
TABLE = "inferences"
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


def test_captures_since_a_time_list_from_its_hour_and_read_nothing_older(s3):
    # Given captures two days before, one hour before and in the hour of the bound
    for at, name in ((AT - timedelta(days=2), "old"), (AT - timedelta(hours=1), "before")):
        put_lines(s3, [line(f"id-{name}", at)], at, f"{name}.jsonl")
    put_lines(s3, [line("id-early", AT - timedelta(minutes=10))], AT, "early.jsonl")
    put_lines(s3, [line("id-new", AT + timedelta(hours=30))], AT + timedelta(hours=30))
    requested = _requests(s3)

    # When the records after AT are read, with no end
    skipped = capture.Skipped()
    records = list(capture.read_captures(s3, BUCKET, ENDPOINT, "champion", skipped, start=AT))

    # Then only the later records come back, and no older file was even fetched
    assert [r.inference_id for r in records] == ["id-new"]
    fetched = [p["Key"] for op, p in requested if op == "GetObject"]
    assert [k.rsplit("/", 1)[-1] for k in fetched] == ["early.jsonl", "a.jsonl"]


def _requests(client) -> list[tuple[str, dict]]:
    """Every request ``client`` sends from now on: (operation, parameters)."""
    sent: list[tuple[str, dict]] = []
    client.meta.events.register(
        "provide-client-params.*.*",
        lambda params, model, **_: sent.append((model.name, dict(params))),
    )
    return sent


@pytest.fixture
def dynamodb():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        inference_table.create(client, TABLE)
        yield client


def test_feedback_that_cannot_be_read_is_counted_and_skipped(dynamodb):
    # Given one good label and two that cannot be used
    hour = contract.hour_key(AT)
    inference_table.label(dynamodb, TABLE, "id-1", 30.5, hour)
    for inference_id, bad in (("id-2", {"BOOL": True}), ("id-3", {"S": ""})):
        dynamodb.put_item(
            TableName=TABLE,
            Item={
                "inference_id": {"S": inference_id},
                contract.HOUR: {"S": hour},
                **({contract.ACTUAL: bad} if bad.get("S") != "" else {}),
            },
        )

    # When the window's labels are read
    skipped = capture.Skipped()
    actuals = feedback.read_feedback(dynamodb, TABLE, skipped, start=AT, end=AT)

    # Then only the good one is kept and the rest are counted
    assert actuals == {"id-1": 30.5}
    assert skipped.count == 2
    assert "no number or label 'actual'" in skipped.reasons[0]


def test_feedback_outside_the_window_or_not_wanted_is_not_kept(dynamodb):
    for at, inference_id in ((AT, "id-1"), (AT, "id-2"), (AT - timedelta(hours=5), "id-3")):
        inference_table.label(dynamodb, TABLE, inference_id, 1, contract.hour_key(at))
    # An item without feedback is not in the index at all
    dynamodb.put_item(TableName=TABLE, Item={"inference_id": {"S": "id-unlabelled"}})

    skipped = capture.Skipped()
    window = feedback.read_feedback(dynamodb, TABLE, skipped, start=AT, end=AT, wanted={"id-2"})
    hours = feedback.read_feedback(dynamodb, TABLE, skipped, start=AT - timedelta(hours=6), end=AT)

    assert window == {"id-2": 1}
    assert hours == {"id-1": 1, "id-2": 1, "id-3": 1}
    assert skipped.count == 0


def _label_many(dynamodb, count: int, hour: str) -> None:
    """``count`` labelled items of one hour, 32-character ids as the API gives."""
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
        for i in range(count)
    ]
    for start in range(0, count, 25):
        dynamodb.batch_write_item(RequestItems={TABLE: items[start : start + 25]})


def _queries(dynamodb, start: datetime, end: datetime) -> tuple[int, int]:
    """(labels read, Query requests sent) for one window."""
    sent = _requests(dynamodb)
    found = feedback.read_feedback(dynamodb, TABLE, capture.Skipped(), start=start, end=end)
    return len(found), sum(1 for op, _ in sent if op == "Query")


def test_the_requests_for_a_window_do_not_grow_with_its_labels(dynamodb):
    # A label in the index is ~80 bytes (names and values of inference_id, labelled_hour,
    # actual), so a 1 MB page holds ~12,500: 1,000 and 5,000 labels are one page each.
    # (moto answers a Query at ~1 ms per item, so the test stays at 5,000.)
    _label_many(dynamodb, 1_000, contract.hour_key(AT))
    few = _queries(dynamodb, AT, AT)
    # A day's window is one request per hour, labelled or not
    day = _queries(dynamodb, AT - timedelta(hours=23), AT)
    _label_many(dynamodb, 5_000, contract.hour_key(AT))
    many = _queries(dynamodb, AT, AT)

    assert few == (1_000, 1)
    assert many == (5_000, 1)
    assert day == (1_000, 24)


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
