"""`data push`'s check of a file's bytes: the whole file is UTF-8, or the row is named."""

from __future__ import annotations

import pytest

from shadowloop.ops.datasets import check_csv

HEADER = b"distance_km,city_zone\n"


def _padded_to(offset: int) -> bytes:
    """A CSV whose bytes up to ``offset`` are plain rows."""
    rows = (offset - len(HEADER) - 5) // 8
    body = HEADER + b"1.5,abc\n" * rows
    return body + b"1.5," + b"a" * (offset - len(body) - 4)


def test_a_character_across_byte_65536_is_valid_text():
    body = _padded_to(65535) + "ü".encode() + b"\n"
    assert body[65535:65537] == "ü".encode()

    assert check_csv(body, "data.csv") == ["distance_km", "city_zone"]


def test_bad_bytes_after_64_kib_are_refused_with_their_row():
    body = _padded_to(70000) + b"\n2.5,nor\xfft\n"
    row = body.count(b"\n")

    with pytest.raises(ValueError, match=f"data.csv is not UTF-8 text: row {row}: not valid"):
        check_csv(body, "data.csv")
