"""Atomic conditional writes: a conditional PutObject that S3 refuses, moto refuses too.

moto 5.2 checks a PutObject's ``IfMatch`` (412 ``PreconditionFailed`` on a stale ETag, 404
``NoSuchKey`` on a missing object) and ``IfNoneMatch="*"``, but the check and the write
are separate steps: two threads writing the same key can both pass the check, and both
writes land. S3 decides the condition and the write as one step, so exactly one racing
conditional writer wins. Every PutObject here runs under one lock, which makes moto's
check-then-write atomic as S3's is.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.s3.responses import S3Response

PATCHED = (S3Response, "put_object")


class AtomicConditionalWrites:
    """Installs the lock around moto's PutObject; uninstall restores moto's method."""

    def __init__(self) -> None:
        self._original: Any = None
        self._lock = threading.Lock()

    def install(self) -> None:
        original = self._original = getattr(*PATCHED)
        lock = self._lock

        @functools.wraps(original)
        def put_object(response: S3Response) -> Any:
            with lock:
                return original(response)

        setattr(PATCHED[0], PATCHED[1], put_object)

    def uninstall(self) -> None:
        if self._original is not None:
            setattr(PATCHED[0], PATCHED[1], self._original)
            self._original = None
