"""The rules by which the deployed side reads a dataset's CSV bytes, and the exact reader.

Strict UTF-8 (a leading BOM dropped), decoded line by line so an error names its row and
the cost stays linear in line length; rows are numbered as in a spreadsheet (the header is
row 1). :mod:`csvcolumns` reads the same bytes with pyarrow where it gives these records,
and defers to this reader everywhere else. Training reads the same files with pandas under
the same rules (``training/features.py``), and a test holds the two together.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

CELL_LIMIT = csv.field_size_limit()
"""Longest cell, in characters (the csv module's limit, 128 Ki)."""

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16


class UnreadableCsv(ValueError):
    """The bytes are not a CSV this project reads; the message names the row."""


def lines(body: Any) -> Iterator[str]:
    """Text lines (newlines kept) of a binary stream with ``read``, decoded strictly."""
    for number, raw in enumerate(_byte_lines(body), start=1):
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableCsv(
                f"row {number}: not valid UTF-8 (byte {exc.start + 1} of the row)"
            ) from None


def records(body: Any) -> Iterator[list[str]]:
    """The CSV records of a binary stream; a record that cannot be read names its row."""
    reader = csv.reader(lines(body))
    row = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableCsv(f"row {row + 1}: {_reason(exc)}") from None
        row += 1
        yield record


def check_utf8(body: bytes) -> None:
    """Refuse bytes that are not UTF-8 text, naming the row of the first bad byte."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = body.count(b"\n", 0, exc.start) + 1
        raise UnreadableCsv(f"row {row}: not valid UTF-8") from None


def _byte_lines(body: Any) -> Iterator[bytes]:
    buffered = io.BufferedReader(_Raw(body), buffer_size=_CHUNK)
    yield from iter(buffered.readline, b"")


def _reason(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a cell is longer than {CELL_LIMIT} characters"
    return str(exc)


class _Raw(io.RawIOBase):
    """A stream with only ``read`` (an S3 body) as a raw stream, so reads can be buffered."""

    def __init__(self, body: Any):
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
