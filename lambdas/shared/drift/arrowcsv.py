"""Stream a CSV as column chunks parsed by pyarrow: the same chunks, values and errors as
:func:`~lambdas.shared.drift.csvchunks.iter_csv_chunks`, an order of magnitude faster.

pyarrow splits the text into string columns; each value is then read as the pure-Python
reader reads it (:func:`~lambdas.shared.drift.columns.parse_number`, ``label_counts``),
pyarrow's vectorised cast taking every plain decimal and Python the few other spellings.
Where pyarrow refuses the text (a wrong field count, bad UTF-8, a header it reads
differently) the pure-Python reader takes over at the first row not yet yielded, so a
bad file fails with the same one-line ``CsvError`` naming its line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from lambdas.shared.drift.columns import (
    MISSING,
    TYPE_ERROR,
    NumericColumn,
    ParsedColumn,
    label_counts,
    parse_number,
)
from lambdas.shared.drift.csvchunks import csv_header, iter_csv_chunks

# About 40k rows of 20 values per block: the pure-Python reader's chunk size, in bytes.
BLOCK_BYTES = 16 << 20
# A plain decimal: pyarrow's cast and Python's float() read it to the same double.
_DECIMAL = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


class TextColumn(ParsedColumn):
    """One column of a block: pyarrow strings, converted as the pure-Python values would be."""

    def __init__(self, strings: pa.Array) -> None:
        self._strings = strings
        self._numeric: NumericColumn | None = None

    def __len__(self) -> int:
        return len(self._strings)

    def numeric(self) -> NumericColumn:
        # Kept: inferring a column's type and summarising it read the same numbers.
        if self._numeric is None:
            self._numeric = self._to_numeric()
        return self._numeric

    def has_carriage_return(self) -> bool:
        """Whether any value holds a "\\r" (a stray byte past the values only errs to yes)."""
        data = self._strings.buffers()[2]
        return data is not None and b"\r" in data.to_pybytes()

    def _to_numeric(self) -> NumericColumn:
        values, odd = self._cast()
        if not odd.any():
            return NumericColumn(values, 0, 0)
        values = values.copy()  # pyarrow's buffer is read-only
        positions = np.flatnonzero(odd)
        parsed = [parse_number(v) for v in self._strings.take(positions).to_pylist()]
        missing = sum(1 for p in parsed if p is MISSING)
        type_errors = sum(1 for p in parsed if p is TYPE_ERROR)
        values[positions] = [np.nan if isinstance(p, str) else p for p in parsed]
        keep = ~odd
        keep[positions] = [not isinstance(p, str) for p in parsed]
        return NumericColumn(values[keep], missing, type_errors)

    def category_counts(self) -> tuple[Counter[str], int]:
        # value_counts lists values in order of first appearance, as a Counter does.
        distinct = pc.value_counts(self._strings)
        return label_counts(
            zip(
                distinct.field("values").to_pylist(),
                distinct.field("counts").to_pylist(),
                strict=True,
            )
        )

    def values(self) -> list[Any]:
        return self._strings.to_pylist()

    def _cast(self) -> tuple[np.ndarray, np.ndarray]:
        """float64 values, and where they need Python's reading (not a finite plain number)."""
        try:
            values = pc.cast(self._strings, pa.float64()).to_numpy(zero_copy_only=False)
            # "nan", "inf" and the like: missing or a type error, as Python reads them.
            return values, ~np.isfinite(values)
        except pa.ArrowInvalid:
            pass
        plain = pc.match_substring_regex(self._strings, _DECIMAL)
        try:
            numbers = pc.cast(pc.if_else(plain, self._strings, "nan"), pa.float64())
        except pa.ArrowInvalid:  # not expected for a plain decimal; read them all in Python
            return np.full(len(self), np.nan), np.ones(len(self), dtype=bool)
        values = numbers.to_numpy(zero_copy_only=False)
        return values, ~np.isfinite(values)


def iter_csv_columns(
    binary: IO[bytes] | Any,
    reopen_lines: Callable[[], Iterable[str]],
    *,
    block_bytes: int | None = None,
) -> Iterator[dict[str, ParsedColumn | list[str]]]:
    """Column name → column, a pyarrow block at a time, from a binary stream.

    ``reopen_lines`` gives the same CSV afresh as text lines: its header is read first
    (so a bad one fails as it always has), and the pure-Python reader continues on it
    wherever pyarrow refuses the text.
    """
    header = csv_header(reopen_lines())
    names = [name.strip() for name in header]
    rows = 0
    try:
        # One thread: a Lambda has one or two vCPUs, and the CLI shares its machine.
        read = pacsv.ReadOptions(block_size=block_bytes or BLOCK_BYTES, use_threads=False)
        reader = pacsv.open_csv(
            binary,
            read_options=read,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
        if reader.schema.names != header:  # e.g. a BOM the text reader keeps in the name
            raise pa.ArrowInvalid("pyarrow reads the header differently")
        for batch in reader:
            if not batch.num_rows:
                continue
            columns = [TextColumn(c) for c in batch.columns]
            if any(c.has_carriage_return() for c in columns):
                # pyarrow drops the "\n" of a quoted "\r\n"; the csv module keeps it.
                raise pa.ArrowInvalid("a carriage return inside a value")
            yield dict(zip(names, columns, strict=True))
            rows += batch.num_rows
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        yield from iter_csv_chunks(reopen_lines(), skip_rows=rows)
