"""Stream a CSV file as column chunks of at most N rows (bounded memory)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

DEFAULT_CHUNK_ROWS = 50_000


class CsvError(ValueError):
    """The CSV text is not a table with a header; the message names the line."""


def iter_csv_chunks(
    lines: Iterable[str], chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> Iterator[dict[str, list[str]]]:
    """Column name → raw string values, ``chunk_rows`` rows at a time."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("the CSV is empty (no header row)") from None
    except csv.Error as exc:
        raise CsvError(f"line 1: {exc}") from None
    header = [name.strip() for name in header]
    if not any(header) or len(set(header)) != len(header):
        raise CsvError("line 1: the header needs unique, non-empty column names")
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise CsvError(
                    f"line {reader.line_num}: {len(row)} fields, the header has {len(header)}"
                )
            rows.append(row)
            if len(rows) >= chunk_rows:
                yield _columns(header, rows)
                rows = []
    except csv.Error as exc:
        raise CsvError(f"line {reader.line_num}: {exc}") from None
    if rows:
        yield _columns(header, rows)


def _columns(header: list[str], rows: list[list[str]]) -> dict[str, list[str]]:
    return dict(zip(header, (list(column) for column in zip(*rows, strict=True)), strict=True))
