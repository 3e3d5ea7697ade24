"""Property-based: whatever a capture file holds, the reader never raises and loses no line.

Every non-blank line either yields records or is counted in ``Skipped``; every record
yielded is one the checks can use (a string id, an aware time, float64-sized numbers).
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import UTC, datetime
from itertools import count

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from lambdas.shared import capture

BUCKET = "captures"
AT = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
CASES = settings(
    max_examples=150,
    deadline=None,
    # Fixed examples: a red run reproduces.
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

texts = st.text(st.characters(codec=None), max_size=12)  # lone surrogates included
numbers = (
    st.integers()
    | st.integers(min_value=10**300, max_value=10**450)
    | st.floats(allow_nan=True, allow_infinity=True)
)
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=12,
)
depths = st.integers(min_value=1, max_value=6_000)
nested_text = depths.map(lambda d: "[" * d + "]" * d) | depths.map(
    lambda d: '{"a":' * d + "1" + "}" * d
)
ids = st.lists(texts | json_values, min_size=0, max_size=3)
requests = st.fixed_dictionaries(
    {"instances": st.lists(json_values, max_size=3), "inference_ids": ids}
) | st.builds(
    lambda xs: {"instances": xs, "inference_ids": [f"id-{i}" for i in range(len(xs))]},
    st.lists(st.dictionaries(texts, json_values, max_size=3), max_size=3),
)
responses = json_values | st.fixed_dictionaries(
    {"predictions": st.lists(json_values, max_size=3)},
    optional={"classes": json_values, "probabilities": st.lists(json_values, max_size=3)},
)
times = st.sampled_from(["2026-11-23T12:00:00Z", "yesterday", "2026-11-23T12:00:00"]) | scalars
metadata = st.fixed_dictionaries({}, optional={"inferenceTime": times}) | json_values


def _dumps(value: object) -> str:
    try:
        return json.dumps(value, allow_nan=True)
    except (ValueError, RecursionError):
        return "null"


def _block(body: str, encoding: object) -> dict[str, object]:
    data = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
    return {"data": data if encoding == "BASE64" else body, "encoding": encoding}


bodies = requests.map(_dumps) | responses.map(_dumps) | nested_text | texts
encodings = st.sampled_from(["JSON", "BASE64", None]) | scalars
shaped = st.builds(
    lambda request, response, meta, e1, e2: _dumps(
        {
            "captureData": {
                "endpointInput": _block(request, e1),
                "endpointOutput": _block(response, e2),
            },
            "eventMetadata": meta,
        }
    ),
    bodies | requests.map(_dumps),
    bodies | responses.map(_dumps),
    metadata,
    encodings,
    encodings,
)
lines = (
    shaped
    | json_values.map(_dumps)
    | nested_text
    | texts
    | st.binary(max_size=40).map(lambda b: b.decode("latin-1"))
)


def _as_bytes(line: str) -> bytes:
    # One line each: the reader splits the object on line breaks.
    return line.encode("utf-8", "surrogatepass").replace(b"\n", b" ").replace(b"\r", b" ")


def _usable(record: capture.CapturedRecord) -> bool:
    values = record.features.values() if isinstance(record.features, dict) else ()
    in_range = all(
        not isinstance(v, int) or abs(v) <= sys.float_info.max for v in (record.output, *values)
    )
    return isinstance(record.inference_id, str) and in_range


@pytest.fixture(scope="module")
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


ENDPOINTS = count()


@settings(CASES, max_examples=80)
@given(st.lists(lines, min_size=1, max_size=4))
def test_the_reader_never_raises_and_every_line_is_records_or_counted(s3, generated):
    # Given one capture file of arbitrary lines, under an endpoint of its own
    endpoint = f"endpoint-{next(ENDPOINTS)}"
    raw = [_as_bytes(line) for line in generated]
    key = f"{capture.variant_prefix(endpoint, 'champion')}{AT:%Y/%m/%d/%H}/a.jsonl"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"\n".join(raw))

    # When it is read
    skipped = capture.Skipped()
    records = list(capture.read_captures(s3, BUCKET, endpoint, "champion", skipped))

    # Then nothing raised, every line is accounted for, and what came back is usable
    assert len(records) + skipped.count >= sum(1 for line in raw if line.strip())
    assert all(_usable(r) and capture.inference_time(r) is not None for r in records)
    assert len(skipped.reasons) == min(skipped.count, capture.MAX_REASONS)


@CASES
@given(lines)
def test_each_line_alone_is_records_or_one_count(line):
    skipped = capture.Skipped()

    records = list(capture.parse_lines([_as_bytes(line)], skipped))

    assert records or skipped.count == 1 or not _as_bytes(line).strip()
