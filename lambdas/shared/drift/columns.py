"""Turn raw column values (CSV strings or JSON values) into numbers or category labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Spellings of "no value" in CSV files and JSON bodies.
MISSING_TOKENS = frozenset({"", "na", "nan", "null", "none", "n/a"})


@dataclass(frozen=True)
class NumericColumn:
    values: np.ndarray
    """The finite values present."""
    missing: int
    type_errors: int
    """Values that are present but not numbers (text, booleans, infinities)."""


def to_numeric(raw: Sequence[Any] | np.ndarray) -> NumericColumn:
    """Parse one column of raw values into finite floats, counting missing and bad values."""
    try:
        values = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return _to_numeric_slow(raw)
    if values.ndim != 1 or _has_bool(raw):
        return _to_numeric_slow(raw)
    finite = np.isfinite(values)
    if finite.all():
        return NumericColumn(values, 0, 0)
    missing = int(np.isnan(values).sum())
    return NumericColumn(values[finite], missing, int(values.size - finite.sum() - missing))


def to_categories(raw: Sequence[Any] | np.ndarray) -> tuple[list[str], int]:
    """Category labels present in a column, and how many values were missing."""
    labels = []
    missing = 0
    for value in raw:
        if _is_missing(value):
            missing += 1
        else:
            labels.append(_label(value))
    return labels, missing


def count_categories(raw: Sequence[Any] | np.ndarray) -> tuple[Counter[str], int]:
    """:func:`to_categories` as counts: each distinct value is labelled once, not each row."""
    try:
        # Keyed by type too: True == 1 == 1.0, but True is labelled "True" and 1 is "1".
        distinct = Counter(zip(map(type, raw), raw, strict=True))
    except TypeError:  # an unhashable value (a list or an object in the column)
        labels, missing = to_categories(raw)
        return Counter(labels), missing
    counts: Counter[str] = Counter()
    missing = 0
    for (_, value), n in distinct.items():
        if _is_missing(value):
            missing += n
        else:
            counts[_label(value)] += n
    return counts, missing


def _to_numeric_slow(raw: Sequence[Any]) -> NumericColumn:
    values = []
    missing = type_errors = 0
    for value in raw:
        if _is_missing(value):
            missing += 1
            continue
        if isinstance(value, bool):
            type_errors += 1
            continue
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            # OverflowError: a JSON integer beyond the float64 range is not a number here.
            type_errors += 1
            continue
        if np.isfinite(number):
            values.append(number)
        else:
            type_errors += 1
    return NumericColumn(np.asarray(values, dtype=np.float64), missing, type_errors)


def _has_bool(raw: Sequence[Any] | np.ndarray) -> bool:
    if isinstance(raw, np.ndarray):
        return raw.dtype == np.bool_
    # JSON true/false parse as 1.0/0.0; a boolean in a numeric column is a type error.
    return bool in set(map(type, raw))


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in MISSING_TOKENS
    return isinstance(value, float) and value != value


def _label(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        # 3 and 3.0 are the same category whether they came from CSV or JSON.
        return str(int(value))
    return str(value)
