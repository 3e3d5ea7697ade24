"""A dataset's CSV bytes as string columns, parsed by pyarrow, when that gives what csvtext gives.

Why pyarrow: :mod:`csvtext` decodes and splits every line in Python, which is most of
ValidateData's time on a large snapshot; ``pyarrow.csv`` does the same work in compiled
code, and pyarrow is on the functions' AWS SDK for pandas layer already. Every cell is
read as text, exactly as written, so the checks see what they would see from csvtext.

Where it falls back: :func:`read` answers None, and the caller reads with csvtext, for
bytes on which the two readers could disagree or where an error must name its row:
an empty file; bytes that are not UTF-8; a carriage return outside a CRLF (the csv module
refuses it, pyarrow ends a line there); a NUL; a blank line before the last record (a
spreadsheet row to csvtext, nothing to pyarrow); a quote that does not open or close a
field at its edge (the two read stray quotes differently); a record whose field count is
not the header's; a cell as long as :data:`csvtext.CELL_LIMIT` or longer.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from lambdas.shared import csvtext

_BOM = b"\xef\xbb\xbf"
_QUOTE, _COMMA, _CR, _LF = (ord(c) for c in '",\r\n')
_DECODE_CHUNK = 1 << 20


@dataclass(frozen=True)
class Columns:
    """The header's fields, and a text column per field (row ``i`` is spreadsheet row ``i + 2``)."""

    header: list[str]
    columns: list[pa.ChunkedArray]

    @property
    def rows(self) -> int:
        return len(self.columns[0])


def read(body: bytes) -> Columns | None:
    """The columns of a CSV, or None where only csvtext can read it exactly."""
    try:
        header = next(csvtext.records(io.BytesIO(body)), None)
    except csvtext.UnreadableCsv:
        return None
    text = body[len(_BOM) :] if body.startswith(_BOM) else body
    if not header or not _plain(text):
        return None
    table = _parse(text, len(header), quoted=b'"' in text)
    if table is None or [column[0].as_py() for column in table.columns] != header:
        return None
    if max(_longest(column) for column in table.columns) >= csvtext.CELL_LIMIT:
        return None
    return Columns(header=header, columns=[column[1:] for column in table.columns])


def _plain(body: bytes) -> bool:
    """Bytes both readers split into the same records with the same row numbers."""
    if not body or b"\x00" in body or body.count(b"\r") != body.count(b"\r\n"):
        return False
    end = len(body)
    while end and body[end - 1] in b"\r\n":
        end -= 1  # blank lines after the last record are not rows to either reader
    if body.startswith((b"\n", b"\r\n")) or _blank_line(body, end):
        return False
    return _utf8(body) and (b'"' not in body or _canonical_quotes(body))


def _blank_line(body: bytes, end: int) -> bool:
    return body.find(b"\n\n", 0, end) != -1 or body.find(b"\n\r\n", 0, end) != -1


def _utf8(body: bytes) -> bool:
    """Strict UTF-8, checked by the decoder csvtext uses, a chunk at a time."""
    if body.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    view = memoryview(body)
    try:
        for start in range(0, len(view), _DECODE_CHUNK):
            decoder.decode(view[start : start + _DECODE_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _canonical_quotes(body: bytes) -> bool:
    """Every quote opens a field, closes one, or is half of a doubled quote inside one.

    Quotes alternate opening and closing; a doubled quote inside a field is a close
    followed at once by an open. An opening quote must start a field (after a comma, a
    line end or the file's start) and a closing one must end it (before a comma, a line
    end or the file's end); anything else is a stray quote the readers disagree on.
    """
    data = np.frombuffer(body, dtype=np.uint8)
    quotes = np.flatnonzero(data == _QUOTE)
    if quotes.size % 2:
        return False
    opens, closes = quotes[0::2], quotes[1::2]
    before = data[np.maximum(opens - 1, 0)]
    doubled_open = np.zeros(opens.size, dtype=bool)
    doubled_open[1:] = opens[1:] - 1 == closes[:-1]
    opens_ok = (opens == 0) | (before == _COMMA) | (before == _LF) | doubled_open
    after = data[np.minimum(closes + 1, data.size - 1)]
    doubled_close = np.zeros(closes.size, dtype=bool)
    doubled_close[:-1] = doubled_open[1:]
    closes_ok = (
        (closes == data.size - 1)
        | (after == _COMMA)
        | (after == _LF)
        | (after == _CR)
        | doubled_close
    )
    return bool(opens_ok.all() and closes_ok.all())


def _parse(body: bytes, width: int, *, quoted: bool) -> pa.Table | None:
    names = [f"f{i}" for i in range(width)]
    try:
        return pv.read_csv(
            pa.py_buffer(body),
            read_options=pv.ReadOptions(column_names=names),
            # Values span lines only inside quotes; without quotes the faster chunker is exact.
            parse_options=pv.ParseOptions(newlines_in_values=quoted),
            convert_options=pv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _longest(column: pa.ChunkedArray) -> int:
    longest = pc.max(pc.utf8_length(column)).as_py()
    return longest or 0
