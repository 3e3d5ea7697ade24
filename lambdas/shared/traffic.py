"""What a variant served and what came back: captured records and feedback, by inference id.

The one reader of ``capture/...`` hours and ``feedback/yyyy/mm/dd/hh/{inference_id}.json``
for the checks; a malformed line or feedback object is counted in ``stats`` and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.shared import capture
from lambdas.shared.capture import CapturedRecord, ParseStats


def read_captures(
    s3: Any,
    bucket: str,
    endpoint_name: str,
    variant: str,
    start: datetime,
    end: datetime,
    stats: ParseStats,
) -> dict[str, CapturedRecord]:
    """A variant's captured records in the hours of [start, end], by inference id."""
    records: dict[str, CapturedRecord] = {}
    for prefix in capture.hour_prefixes(endpoint_name, variant, start, end):
        for key in keys(s3, bucket, prefix):
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            for record in capture.parse_lines(body.splitlines(), stats):
                records[record.inference_id] = record
    return records


def read_feedback(
    s3: Any,
    bucket: str,
    start: datetime,
    end: datetime,
    stats: ParseStats,
    wanted: set[str] | None = None,
) -> dict[str, Any]:
    """Ground truth by inference id, for predictions made in the hours of [start, end].

    With ``wanted``, only those ids' objects are read (the listing still spans the hours).
    """
    actuals: dict[str, Any] = {}
    for prefix in feedback_hour_prefixes(start, end):
        for key in keys(s3, bucket, prefix):
            if wanted is not None and key.rsplit("/", 1)[-1].removesuffix(".json") not in wanted:
                continue
            stats.lines += 1
            try:
                body = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
                actuals[body["inference_id"]] = body["actual"]
            except (KeyError, TypeError, ValueError) as exc:
                stats.malformed += 1
                if len(stats.errors) < 5:
                    stats.errors.append(f"malformed feedback {key}: {exc}")
    return actuals


def feedback_hour_prefixes(start: datetime, end: datetime) -> list[str]:
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    prefixes = []
    while hour <= end:
        prefixes.append(f"{capture.FEEDBACK_PREFIX}/{hour:%Y/%m/%d/%H}/")
        hour += timedelta(hours=1)
    return prefixes


def keys(s3: Any, bucket: str, prefix: str) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield item["Key"]
