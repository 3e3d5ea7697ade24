"""The quality checks on whole columns at once: the same report as the row loop, faster.

:func:`quality.check` looks at every cell in Python; here each column is judged with
``pyarrow.compute`` and numpy, and the results fill the same :class:`ColumnProfile` and
:class:`Scan` the loop fills, so the messages come from one place. Only what the kernels
cannot decide exactly as Python does goes through Python, value by value: a number not
written in plain decimal (``1_000``, ``٣``, ``-nan``, ``Infinity``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lambdas.shared.csvcolumns import Columns
from lambdas.shared.settings import ModelSpec
from lambdas.validate_data.quality import (
    DEFAULT_LIMITS,
    MISSING_TOKENS,
    ColumnProfile,
    Examples,
    Limits,
    QualityReport,
    Scan,
    report,
)

# What str.strip() strips: every character whose str.isspace() is true.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Decimal numbers that float() and Arrow's cast both read, to the same double.
_PLAIN_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"
# No character outside ASCII lowers to ASCII letters of a token, so ASCII lowering decides.
_TOKENS = pa.array(sorted(MISSING_TOKENS))
_FIRST_ROW = 2
_KEY_SPACE = 1 << 62


def check_columns(
    table: Columns, spec: ModelSpec, limits: Limits = DEFAULT_LIMITS
) -> QualityReport:
    """The report :func:`quality.check` gives on the same CSV's records."""

    def scan(header: list[str], profiles: dict[str, ColumnProfile]) -> Scan:
        return _scan(table, header, profiles, limits)

    return report(table.header, spec, limits, scan)


def _scan(
    table: Columns, header: list[str], profiles: dict[str, ColumnProfile], limits: Limits
) -> Scan:
    scan = Scan(profiles=profiles, header_width=len(header), ragged=Examples(limits.example_rows))
    # Each column once as distinct values and a code per row: the checks judge the values,
    # and the codes carry the verdicts back to the rows.
    encoded = [_Encoded.of(column) for column in table.columns]
    scan.rows = table.rows
    scan.duplicates = table.rows - _distinct_rows([column.codes for column in encoded])
    for name, profile in profiles.items():
        _profile(profile, encoded[header.index(name)], limits)
    return scan


@dataclass(frozen=True)
class _Encoded:
    """A column as its distinct values (first seen first) and each row's index into them."""

    values: pa.StringArray
    codes: np.ndarray

    @classmethod
    def of(cls, column: pa.ChunkedArray) -> _Encoded:
        encoded = pc.dictionary_encode(column.combine_chunks())
        return cls(encoded.dictionary, encoded.indices.to_numpy())


def _profile(profile: ColumnProfile, column: _Encoded, limits: Limits) -> None:
    values = pc.utf8_trim(column.values, characters=WHITESPACE)
    missing = pc.is_in(pc.ascii_lower(values), value_set=_TOKENS).to_numpy(zero_copy_only=False)
    missing_rows = missing[column.codes]
    profile.missing = _examples(np.flatnonzero(missing_rows), limits.example_rows)
    present = values.filter(pa.array(~missing))
    # Raw values differ where trimmed ones may not (" 3" and "3"): count the trimmed ones.
    distinct = pc.unique(present)
    profile.distinct = set(distinct[: limits.max_distinct].to_pylist())
    profile.distinct_capped = len(distinct) > limits.max_distinct
    if profile.type == "numeric":
        _numbers(profile, values, column.codes[~missing_rows], np.flatnonzero(~missing_rows))


def _numbers(
    profile: ColumnProfile, values: pa.StringArray, codes: np.ndarray, rows: np.ndarray
) -> None:
    """Each distinct value read once, as float() reads it; the present rows' codes and indices."""
    limit = profile.limits.example_rows
    plain = pc.match_substring_regex(values, _PLAIN_NUMBER).to_numpy(zero_copy_only=False)
    parsed = np.empty(len(values), dtype=np.float64)
    parsed[plain] = pc.cast(values.filter(pa.array(plain)), pa.float64()).to_numpy()
    refused = np.zeros(len(values), dtype=bool)
    other = np.flatnonzero(~plain)
    for index, text in zip(other, values.take(pa.array(other)).to_pylist(), strict=True):
        try:
            parsed[index] = float(text)
        except ValueError:
            refused[index] = True
    not_number = refused[codes]
    numbers = parsed[codes]
    finite = np.isfinite(numbers) & ~not_number
    profile.not_numbers = _examples(rows[not_number], limit)
    profile.not_finite = _examples(rows[~finite & ~not_number], limit)
    _fold(profile, numbers[finite])


def _fold(profile: ColumnProfile, numbers: np.ndarray) -> None:
    """Count, total, minimum and maximum as the loop folds them, bit for bit."""
    profile.numbers = int(numbers.size)
    if not numbers.size:
        return
    # A running sum in row order, as the loop adds (overflowing to inf as it does);
    # 0.0 + keeps its -0.0 rule.
    with np.errstate(over="ignore", invalid="ignore"):
        profile.total = 0.0 + float(np.cumsum(numbers)[-1])
    # min() and max() keep the first of equal values (0.0 before -0.0): take that one.
    profile.minimum = float(numbers[np.flatnonzero(numbers == numbers.min())[0]])
    profile.maximum = float(numbers[np.flatnonzero(numbers == numbers.max())[0]])


def _examples(indices: np.ndarray, limit: int) -> Examples:
    rows = (indices[:limit] + _FIRST_ROW).tolist()
    return Examples(limit, count=int(indices.size), rows=rows)


def _distinct_rows(codes: list[np.ndarray]) -> int:
    """How many different rows, comparing every field as written.

    A row's codes make one integer key (renumbered whenever the next column would overflow
    it), so equal keys are exactly equal rows.
    """
    keys: np.ndarray = np.zeros(codes[0].size, dtype=np.int64)
    size = 1
    for column in codes:
        width = int(column.max()) + 1 if column.size else 1
        if size * width >= _KEY_SPACE:
            _, keys = np.unique(keys, return_inverse=True)
            size = int(keys.max()) + 1
        keys = keys * width + column
        size *= width
    return len(np.unique(keys))
