"""The Tracer every handler builds: X-Ray with botocore patched on Lambda, no SDK elsewhere.

Powertools' ``Tracer()`` imports the X-Ray SDK even when tracing is off, and outside
Lambda the SDK's recorder builds a sampling-rule botocore client as it is imported
(over 100 ms of a handler's cold import in tests and the local cloud). Where Powertools
itself would disable tracing, the Tracer gets a provider that records nothing instead,
so the SDK is never loaded; on Lambda it is the X-Ray provider, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment


def tracer() -> Tracer:
    """A handler's Tracer; only the AWS calls are patched (patching more costs cold start)."""
    # Powertools' own rule: off outside Lambda, under SAM/Chalice, or POWERTOOLS_TRACE_DISABLED.
    if Tracer._is_tracer_disabled():
        return Tracer(disabled=True, provider=UNTRACED)
    return Tracer(patch_modules=("botocore",))


class _Segment(BaseSegment):
    """A segment that is never sent."""

    def close(self, end_time: int | None = None) -> None:
        return None

    def add_subsegment(self, subsegment: Any) -> None:
        return None

    def remove_subsegment(self, subsegment: Any) -> None:
        return None

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        return None


class _Untraced(BaseProvider):
    """What a disabled X-Ray recorder does (dummy segments), without importing it."""

    @contextlib.contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield _Segment()

    @contextlib.asynccontextmanager
    async def in_subsegment_async(self, name: str | None = None, **kwargs: Any):  # type: ignore[override]
        yield _Segment()

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def patch(self, modules: Sequence[str]) -> None:
        return None

    def patch_all(self) -> None:
        return None


UNTRACED = _Untraced()
