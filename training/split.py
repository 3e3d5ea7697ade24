"""The train/holdout split, decided by each row's content rather than a random seed.

A dataset version that appends rows keeps every old row on the same side, so a candidate
and the champion are compared on holdout rows neither of them trained on. The hash reads
numbers as floats, so ``3`` and ``3.0`` (an int column that gained a missing value and
was read back as float) land on the same side.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from modelspec import ModelSpec

HOLDOUT_FRACTION = 0.2
_BUCKETS = 1_000_000
_SEPARATOR = "\x1f"


def holdout_mask(
    frame: pd.DataFrame, fraction: float = 0.2, columns: Sequence[str] | None = None
) -> np.ndarray:
    """True for rows in the holdout. ``columns`` (default: all) are the ones hashed."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"holdout fraction must be between 0 and 1, got {fraction}")
    names = sorted(columns if columns is not None else frame.columns)
    cutoff = int(fraction * _BUCKETS)
    values = zip(*(frame[name].tolist() for name in names), strict=True)
    return np.fromiter((_bucket(row) < cutoff for row in values), dtype=bool, count=len(frame))


def holdout_rows(frame: pd.DataFrame, spec: ModelSpec) -> np.ndarray:
    """The holdout that training leaves out and evaluation scores: features plus target hashed."""
    return holdout_mask(frame, HOLDOUT_FRACTION, columns=[*spec.feature_names, spec.target])


def _bucket(row: tuple) -> int:
    text = _SEPARATOR.join(_canonical(value) for value in row)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % _BUCKETS


def _canonical(value: object) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return "" if math.isnan(number) else repr(number)
    return str(value)
