"""Stream a CSV file as column chunks of at most N rows (bounded memory)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

DEFAULT_CHUNK_ROWS = 50_000


class CsvError(ValueError):
    """The CSV text is not a table with a header; the message names the line."""


def iter_csv_chunks(
    lines: Iterable[str], chunk_rows: int = DEFAULT_CHUNK_ROWS, *, skip_rows: int = 0
) -> Iterator[dict[str, list[str]]]:
    """Column name → raw string values, ``chunk_rows`` rows at a time.

    ``skip_rows`` data rows are checked but not yielded (a reader that stopped part way
    resumes here).
    """
    reader = csv.reader(lines)
    header = [name.strip() for name in _header(reader)]
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise CsvError(
                    f"line {reader.line_num}: {len(row)} fields, the header has {len(header)}"
                )
            if skip_rows:
                skip_rows -= 1
                continue
            rows.append(row)
            if len(rows) >= chunk_rows:
                yield _columns(header, rows)
                rows = []
    except csv.Error as exc:
        raise CsvError(f"line {reader.line_num}: {exc}") from None
    if rows:
        yield _columns(header, rows)


def csv_header(lines: Iterable[str]) -> list[str]:
    """The header's column names as written (unstripped); a bad header is a ``CsvError``."""
    return _header(csv.reader(lines))


def _header(reader: Any) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("the CSV is empty (no header row)") from None
    except csv.Error as exc:
        raise CsvError(f"line 1: {exc}") from None
    names = [name.strip() for name in header]
    if not any(names) or len(set(names)) != len(names):
        raise CsvError("line 1: the header needs unique, non-empty column names")
    return header


def _columns(header: list[str], rows: list[list[str]]) -> dict[str, list[str]]:
    return dict(zip(header, (list(column) for column in zip(*rows, strict=True)), strict=True))
