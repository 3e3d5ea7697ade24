"""Turn raw column values (CSV strings or JSON values) into numbers or category labels."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Sequence
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


class ParsedColumn(ABC):
    """A column whose reader converts it itself (pyarrow's CSV reader), as the functions here do."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def numeric(self) -> NumericColumn:
        """What :func:`to_numeric` gives for the column's values."""

    @abstractmethod
    def category_counts(self) -> tuple[Counter[str], int]:
        """What :func:`count_categories` gives for the column's values."""

    @abstractmethod
    def values(self) -> list[Any]:
        """The raw values as a list."""


def to_numeric(raw: Sequence[Any] | np.ndarray | ParsedColumn) -> NumericColumn:
    """Parse one column of raw values into finite floats, counting missing and bad values."""
    if isinstance(raw, ParsedColumn):
        return raw.numeric()
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


def to_categories(raw: Sequence[Any] | np.ndarray | ParsedColumn) -> tuple[list[str], int]:
    """Category labels present in a column, and how many values were missing."""
    if isinstance(raw, ParsedColumn):
        raw = raw.values()
    labels = []
    missing = 0
    for value in raw:
        if _is_missing(value):
            missing += 1
        else:
            labels.append(_label(value))
    return labels, missing


def count_categories(
    raw: Sequence[Any] | np.ndarray | ParsedColumn,
) -> tuple[Counter[str], int]:
    """:func:`to_categories` as counts: each distinct value is labelled once, not each row."""
    if isinstance(raw, ParsedColumn):
        return raw.category_counts()
    try:
        # Keyed by type too: True == 1 == 1.0, but True is labelled "True" and 1 is "1".
        distinct = Counter(zip(map(type, raw), raw, strict=True))
    except TypeError:  # an unhashable value (a list or an object in the column)
        labels, missing = to_categories(raw)
        return Counter(labels), missing
    return label_counts(((value, n) for (_, value), n in distinct.items()))


def label_counts(distinct: Iterable[tuple[Any, int]]) -> tuple[Counter[str], int]:
    """Distinct raw values with their counts → counts by label, and the missing count."""
    counts: Counter[str] = Counter()
    missing = 0
    for value, n in distinct:
        if _is_missing(value):
            missing += n
        else:
            counts[_label(value)] += n
    return counts, missing


MISSING = "missing"
TYPE_ERROR = "type_error"


def parse_number(value: Any) -> float | str:
    """One raw value as a finite float, or ``MISSING`` or ``TYPE_ERROR``."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return TYPE_ERROR
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        # OverflowError: a JSON integer beyond the float64 range is not a number here.
        return TYPE_ERROR
    return number if np.isfinite(number) else TYPE_ERROR


def _to_numeric_slow(raw: Sequence[Any]) -> NumericColumn:
    values = []
    missing = type_errors = 0
    for value in raw:
        number = parse_number(value)
        if number is MISSING:
            missing += 1
        elif number is TYPE_ERROR:
            type_errors += 1
        else:
            values.append(number)
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
