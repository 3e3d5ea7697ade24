"""The quality checks on whole columns at once: the same report as the row loop, faster.

:func:`quality.check` looks at every cell in Python; here each column is judged with
``pyarrow.compute`` and numpy, and the results fill the same :class:`ColumnProfile` and
:class:`Scan` the loop fills, so the messages come from one place. Only what the kernels
cannot decide exactly as Python does goes through Python, value by value: a number not
written in plain decimal (``1_000``, ``٣``, ``-nan``, ``Infinity``, ...).
"""

from __future__ import annotations

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
    scan.rows = table.rows
    scan.duplicates = table.rows - _distinct_rows(table.columns)
    for name, profile in profiles.items():
        _profile(profile, table.columns[header.index(name)], limits)
    return scan


def _profile(profile: ColumnProfile, column: pa.ChunkedArray, limits: Limits) -> None:
    values = pc.utf8_trim(column, characters=WHITESPACE)
    missing = pc.is_in(pc.ascii_lower(values), value_set=_TOKENS).to_numpy()
    profile.missing = _examples(np.flatnonzero(missing), limits)
    present = np.flatnonzero(~missing)
    values = values.take(pa.array(present)) if present.size < missing.size else values
    distinct = pc.unique(values)
    profile.distinct = set(distinct[: limits.max_distinct].to_pylist())
    profile.distinct_capped = len(distinct) > limits.max_distinct
    if profile.type == "numeric":
        _numbers(profile, values, present, limits)


def _numbers(
    profile: ColumnProfile, values: pa.ChunkedArray, rows: np.ndarray, limits: Limits
) -> None:
    """Numbers, non-numbers and infinities of the present values; ``rows`` are their indices."""
    plain = pc.match_substring_regex(values, _PLAIN_NUMBER).to_numpy()
    numbers = np.empty(len(values), dtype=np.float64)
    numbers[plain] = pc.cast(values.filter(pa.array(plain)), pa.float64()).to_numpy()
    other = np.flatnonzero(~plain)
    not_number = np.zeros(len(values), dtype=bool)
    for index, text in zip(other, values.take(pa.array(other)).to_pylist(), strict=True):
        try:
            numbers[index] = float(text)
        except ValueError:
            not_number[index] = True
    finite = np.isfinite(numbers) & ~not_number
    profile.not_numbers = _examples(rows[not_number], limits)
    profile.not_finite = _examples(rows[~finite & ~not_number], limits)
    _fold(profile, numbers[finite])


def _fold(profile: ColumnProfile, numbers: np.ndarray) -> None:
    """Count, total, minimum and maximum as the loop folds them, bit for bit."""
    profile.numbers = int(numbers.size)
    if not numbers.size:
        return
    # A running sum in row order, as the loop adds; 0.0 + keeps its -0.0 rule.
    profile.total = 0.0 + float(np.cumsum(numbers)[-1])
    # min() and max() keep the first of equal values (0.0 before -0.0): take that one.
    profile.minimum = float(numbers[np.flatnonzero(numbers == numbers.min())[0]])
    profile.maximum = float(numbers[np.flatnonzero(numbers == numbers.max())[0]])


def _examples(indices: np.ndarray, limits: Limits) -> Examples:
    rows = (indices[: limits.example_rows] + _FIRST_ROW).tolist()
    return Examples(limits.example_rows, count=int(indices.size), rows=rows)


def _distinct_rows(columns: list[pa.ChunkedArray]) -> int:
    """How many different rows, comparing every field as written."""
    if not len(columns[0]):
        return 0
    table = pa.table({f"f{i}": column for i, column in enumerate(columns)})
    return table.group_by(table.column_names).aggregate([]).num_rows
