"""JSON objects in S3 written under a condition, so racing writers cannot undo each other.

A scheduled check may run twice at once (a repeated delivery, a slow run overlapping the
next). Its state is written with ``IfMatch`` on the ETag it read (``IfNoneMatch="*"`` when
there was none); a writer that lost the race re-reads and merges, so whatever the winner
recorded survives. A report is written once, with ``IfNoneMatch="*"``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

# 412: the ETag moved (or the object appeared); 409: a write to the key was in progress.
# NoSuchKey: IfMatch on an object deleted since it was read.
LOST_RACE = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409", "NoSuchKey")
ATTEMPTS = 8


class RaceNotSettled(RuntimeError):
    """Every attempt to write lost a race: the caller fails rather than overwrite."""


@dataclass(frozen=True)
class Stored:
    """An object's parsed JSON body and ETag; both None when there is no object."""

    body: Any = None
    etag: str | None = None


def read_json(s3: Any, bucket: str, key: str) -> Stored:
    """The object's JSON and ETag, or an empty :class:`Stored` when it does not exist."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _code(exc) in ("NoSuchKey", "404"):
            return Stored()
        raise
    return Stored(body=json.loads(response["Body"].read()), etag=response["ETag"])


def write_once(s3: Any, bucket: str, key: str, body: Any) -> bool:
    """Write ``body`` unless the key exists; False when another writer got there first."""
    try:
        _put(s3, bucket, key, body, IfNoneMatch="*")
    except ClientError as exc:
        if _code(exc) in LOST_RACE:
            return False
        raise
    return True


def update_json(
    s3: Any,
    bucket: str,
    key: str,
    change: Callable[[Any], Any],
    *,
    read: Stored | None = None,
) -> Any:
    """Write ``change(current body)`` on the ETag it was computed from; returns what is stored.

    ``read`` is the version the caller already holds. On a lost race the object is read
    again and ``change`` applied to the new body, so ``change`` must merge rather than
    replace. A ``change`` that returns the current body writes nothing.
    """
    current = read if read is not None else read_json(s3, bucket, key)
    for _ in range(ATTEMPTS):
        wanted = change(current.body)
        if current.etag is not None and wanted == current.body:
            return wanted
        condition = {"IfMatch": current.etag} if current.etag else {"IfNoneMatch": "*"}
        try:
            _put(s3, bucket, key, wanted, **condition)
        except ClientError as exc:
            if _code(exc) not in LOST_RACE:
                raise
            current = read_json(s3, bucket, key)
            continue
        return wanted
    raise RaceNotSettled(f"s3://{bucket}/{key}: {ATTEMPTS} conditional writes lost their race")


def _put(s3: Any, bucket: str, key: str, body: Any, **condition: str) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(body, indent=1).encode(),
        ContentType="application/json",
        **condition,
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code"))
