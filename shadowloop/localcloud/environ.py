"""Set environment variables for a while, touching no others."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def patched_environ(**values: str) -> Iterator[None]:
    """Set ``values``, then restore exactly those keys (other threads keep reading the rest)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
