"""The promotion check's memory in S3: one challenger's hours counted for good.

One object per endpoint config (a challenger's shadow life starts with its config):
the tally of every pair whose champion prediction is at or before ``folded_until``.
It is written conditionally (``IfNoneMatch``/``IfMatch`` on the ETag it was read with),
so of two runs that read the same state only one folds; the other's write is refused and
the hours stay open for the next run. No hour is counted twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.promotion_check.tally import Tally
from lambdas.shared.contracts.layout import promotion_state_key

logger = logging.getLogger(__name__)

# S3 answers 412 to a failed If-Match/If-None-Match, 409 when two conditional writes race,
# and 404 to an If-Match on an object deleted since it was read.
_LOST_RACE = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey"}


@dataclass(frozen=True)
class Folded:
    """The pairs up to ``until`` (champion prediction time), tallied; ``etag`` as read."""

    until: datetime
    tally: Tally
    etag: str | None = None
    unreadable: str | None = None
    """Why a stored state was not used (it is rewritten from the window's start)."""


def load(s3: Any, bucket: str, endpoint_config_name: str, start: datetime) -> Folded:
    """The stored state of this config, or nothing folded yet (from ``start``)."""
    key = promotion_state_key(endpoint_config_name)
    try:
        stored = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return Folded(start, Tally())
        raise
    etag = stored["ETag"]
    try:
        raw = json.loads(stored["Body"].read())
        if datetime.fromisoformat(raw["window_start"]) != start:
            raise ValueError(f"window_start {raw['window_start']} is not the config's {start}")
        until = datetime.fromisoformat(raw["folded_until"])
        return Folded(until, Tally.from_dict(raw["tally"]), etag)
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"promotion state {key} unreadable ({exc!r}); counting again from {start}"
        logger.warning(reason)
        return Folded(start, Tally(), etag, unreadable=reason)


def save(
    s3: Any,
    bucket: str,
    endpoint_config_name: str,
    *,
    read: Folded,
    start: datetime,
    until: datetime,
    tally: Tally,
) -> bool:
    """Store the new fold if the state is still as ``read``; False when another run wrote first."""
    body = {
        "endpoint_config_name": endpoint_config_name,
        "window_start": start.isoformat(),
        "folded_until": until.isoformat(),
        "tally": tally.to_dict(),
    }
    condition = {"IfMatch": read.etag} if read.etag else {"IfNoneMatch": "*"}
    try:
        s3.put_object(
            Bucket=bucket,
            Key=promotion_state_key(endpoint_config_name),
            Body=json.dumps(body).encode(),
            ContentType="application/json",
            **condition,
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _LOST_RACE:
            logger.info("state of %s changed since read: not folded", endpoint_config_name)
            return False
        raise
    return True
