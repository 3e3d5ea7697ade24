"""Faults injected on purpose, for the tests of what the system does under them.

:meth:`LocalEndpoints.fail_next` covers SageMaker Runtime. :func:`s3_slow_down` makes S3
answer GetObject the way it does under load: HTTP 503 with error code ``SlowDown``,
which clients retry. moto would serialize a ``SlowDown`` exception as a 400 (its S3 model
omits the error), so the answer is written here as S3 sends it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from moto.s3.responses import S3Response

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
    b"<RequestId>local-slow-down</RequestId></Error>"
)


@dataclass
class SlowDown:
    """How many more GetObject calls to refuse (None: every one), and how many were."""

    left: int | None
    refused: int = 0


@contextmanager
def s3_slow_down(bucket: str, prefix: str, *, times: int | None = None) -> Iterator[SlowDown]:
    """GetObject of keys under ``prefix`` in ``bucket`` answers 503 SlowDown while active."""
    original = S3Response.get_object
    state = SlowDown(times)
    lock = threading.Lock()

    def get_object(response: S3Response):  # noqa: ANN202 - moto's response tuple
        wanted = response.bucket_name == bucket and response.parse_key_name().startswith(prefix)
        with lock:
            refuse = wanted and (state.left is None or state.left > 0)
            if refuse:
                state.refused += 1
                state.left = None if state.left is None else state.left - 1
        if refuse:
            return 503, {"Content-Type": "application/xml"}, SLOW_DOWN
        return original(response)

    S3Response.get_object = get_object
    try:
        yield state
    finally:
        S3Response.get_object = original
