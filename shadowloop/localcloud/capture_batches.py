"""Data capture written as SageMaker writes it: one object per variant per interval.

SageMaker buffers each variant's capture lines and writes them as one JSON-lines object
every short while, under ``{prefix}/{endpoint}/{variant}/yyyy/mm/dd/hh/``. The local
cloud buffers the same way (one buffer per destination hour) and writes an object when
its first line is ``interval_s`` old, when it holds ``max_lines``, on :meth:`flush`, and
before anything lists or reads the bucket through moto's S3 backend. So a reader (a
scheduled check, a test) always sees every line captured before its read, and nothing
buffered is lost when the local cloud stops: uninstalling flushes.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.s3.models import S3Backend

# moto's S3 reads that must see buffered captures first.
_READS = ("list_objects", "list_objects_v2", "list_object_versions", "get_object", "head_object")


@dataclass(frozen=True)
class Destination:
    """Where one buffer goes: bucket, key directory down to the hour, and who writes it."""

    account_id: str
    region: str
    bucket: str
    directory: str
    kms_key_id: str | None
    model_name: str


@dataclass
class _Buffer:
    started: float
    lines: list[str] = field(default_factory=list)


Writer = Callable[[Destination, str, bytes], None]


class CaptureBatches:
    """Capture lines buffered per destination; ``write`` puts one object (key, body)."""

    def __init__(
        self,
        write: Writer,
        *,
        interval_s: float = 5.0,
        max_lines: int = 1_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write = write
        self.interval_s = interval_s
        self.max_lines = max_lines
        self.clock = clock
        self._buffers: dict[Destination, _Buffer] = {}
        # Reentrant: a write goes through moto, and a flush may start from a read.
        self._lock = threading.RLock()
        self._originals: dict[str, Any] = {}

    def add(self, destination: Destination, line: str) -> None:
        now = self.clock()
        with self._lock:
            buffer = self._buffers.setdefault(destination, _Buffer(started=now))
            buffer.lines.append(line)
            if len(buffer.lines) >= self.max_lines or now - buffer.started >= self.interval_s:
                self._write(destination, self._buffers.pop(destination))

    def flush(self, bucket: str | None = None) -> None:
        """Write every buffer (or only ``bucket``'s) now."""
        with self._lock:
            for destination in [d for d in self._buffers if bucket in (None, d.bucket)]:
                self._write(destination, self._buffers.pop(destination))

    def pending(self) -> int:
        """Lines buffered and not yet written."""
        with self._lock:
            return sum(len(b.lines) for b in self._buffers.values())

    def _write(self, destination: Destination, buffer: _Buffer) -> None:
        key = f"{destination.directory}/{uuid.uuid4()}.jsonl"
        self.write(destination, key, "".join(f"{line}\n" for line in buffer.lines).encode())

    def install(self) -> None:
        """Flush a bucket's buffers before moto's S3 backend lists or reads that bucket."""
        for name in _READS:
            original = self._originals[name] = getattr(S3Backend, name)
            setattr(S3Backend, name, self._flushing(original))

    def uninstall(self) -> None:
        """Write what is buffered, then restore moto's reads."""
        self.flush()
        for name, original in self._originals.items():
            setattr(S3Backend, name, original)
        self._originals.clear()

    def _flushing(self, read: Callable[..., Any]) -> Callable[..., Any]:
        batches = self

        @functools.wraps(read)
        def flushed_first(backend: Any, bucket: Any, *args: Any, **kwargs: Any) -> Any:
            if batches._buffers:  # listings get the bucket itself, reads its name
                batches.flush(getattr(bucket, "name", bucket))
            return read(backend, bucket, *args, **kwargs)

        return flushed_first
