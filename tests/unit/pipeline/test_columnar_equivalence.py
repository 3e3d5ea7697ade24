"""The columnar checks give the row loop's report, byte for byte, on any CSV they accept."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdas.shared import csvcolumns, csvtext
from lambdas.validate_data.columnar import WHITESPACE, check_columns
from lambdas.validate_data.quality import MISSING_TOKENS, Limits, check
from lambdas.validate_data.validate import check_csv
from tests.unit.pipeline.data import COLUMNS, SPEC, TARGET, rows, to_csv

CASES = settings(max_examples=300, deadline=None, derandomize=True, database=None)
SMALL = Limits(min_rows=3, example_rows=2, max_distinct=3)
LIMITS = st.sampled_from([Limits(), SMALL])

# Spellings float() reads or refuses that plain decimal parsing must not be trusted with.
ODD_NUMBERS = ["-0", "0.0", "-0.0", "+.5", "1.", "1e999", "-1e999", "1e-999", "1E+05", "007"]
ODD_NUMBERS += ["1_000", "0x10", "Infinity", "-inf", "+nan", "-NaN", "1e5000", "9" * 400]
ODD_NUMBERS += ["\u0663", "\uff11", "\u0663.5"]
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(ODD_NUMBERS),
)
missing = st.sampled_from(["", "na", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "None", "nOnE"])
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\x00"), max_size=8)
padding = st.sampled_from(["", " ", "\t", "\u3000", "\x1c", "\xa0"])
cells = st.builds(
    lambda left, cell, right: left + cell + right,
    padding,
    st.one_of(numbers, missing, texts, st.sampled_from(["a,b", 'say "hi"', "two\nlines", "x"])),
    padding,
)
headers = st.lists(
    st.sampled_from([*COLUMNS, " hour ", "courier", "hour"]), min_size=1, max_size=11
)


@st.composite
def tables(draw) -> bytes:
    """A CSV csv.writer would write (quoting only where needed), in the project's variants."""
    header = draw(headers)
    width = len(header)
    constant = draw(st.lists(cells, min_size=width, max_size=width))
    body = draw(st.lists(st.lists(cells, min_size=width, max_size=width), max_size=25))
    keep = draw(st.lists(st.booleans(), min_size=width, max_size=width))
    # Some columns constant, some rows repeated: what the single-value and duplicate rules see.
    body = [[c if k else v for v, c, k in zip(r, constant, keep, strict=True)] for r in body]
    body += draw(st.lists(st.sampled_from(body), max_size=5)) if body else []
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    out = io.StringIO()
    csv.writer(out, lineterminator=terminator).writerows([header, *body])
    text = out.getvalue() + draw(st.sampled_from(["", terminator, terminator * 2]))
    return draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + text.encode("utf-8")


def _exact(body: bytes, limits: Limits) -> str:
    try:
        report = check(csvtext.records(io.BytesIO(body)), SPEC, limits)
    except csvtext.UnreadableCsv as exc:
        return str(exc)
    return _dump(report)


def _dump(report) -> str:
    return json.dumps(dataclasses.asdict(report), sort_keys=True)


@CASES
@given(body=tables(), limits=LIMITS)
def test_csv_writer_tables_take_the_columnar_path_and_agree(body, limits):
    table = csvcolumns.read(body)

    assert table is not None
    assert _dump(check_columns(table, SPEC, limits)) == _exact(body, limits)


damaged = st.builds(
    lambda body, at, junk: body[:at] + junk + body[at:],
    tables(),
    st.integers(0, 400),
    st.sampled_from([b'"', b"\r", b"\n", b"\n\n", b",", b"\x00", b"\xff", b'x"', b'""', b"\xed"]),
)


@CASES
@given(body=damaged | st.binary(max_size=200), limits=LIMITS)
def test_damaged_bytes_give_the_row_loops_report_or_error(body, limits):
    table = csvcolumns.read(body)
    exact = _exact(body, limits)

    if table is not None:
        assert _dump(check_columns(table, SPEC, limits)) == exact
    report = check_csv(body, SPEC, limits)
    assert _dump(report) == exact or report.errors == [exact]


def _with(index: int, column: str, value: str, count: int = 60) -> bytes:
    data = rows(count)
    data[index][column] = value
    return to_csv(data)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (_with(5, "city_zone", "nor\xfft").replace(b"nor\xc3\xbft", b"nor\xfft"), "bad UTF-8"),
        (to_csv(rows(60)).replace(b"\n", b"\n\n", 3), "a blank line before the last record"),
        (to_csv(rows(60)).replace(b"\n", b"\r", 5), "a bare carriage return"),
        (to_csv(rows(60)).replace(b"north", b'no"rth', 1), "a stray quote"),
        (to_csv(rows(60)).replace(b"north", b'"no"rth"', 1), "a quote inside a quoted field"),
        (to_csv(rows(60)).replace(b"\n", b",\n", 3), "a ragged row"),
        (_with(9, "city_zone", "n" * csvtext.CELL_LIMIT), "a cell at the limit"),
    ],
)
def test_where_the_readers_may_differ_the_row_reader_decides(body, reason):
    assert csvcolumns.read(body) is None, reason
    exact = _exact(body, Limits())
    report = check_csv(body, SPEC)
    assert _dump(report) == exact or report.errors == [exact]


def test_a_realistic_export_takes_the_columnar_path_with_its_rows_named():
    data = rows(200)
    data[3]["rain_mm"] = "heavy"
    data[40]["hour"] = " NA "
    data[41][TARGET] = "inf"
    data[7]["city_zone"] = 'zone "7", east'
    body = b"\xef\xbb\xbf" + to_csv(data + data[:4]).replace(b"\n", b"\r\n")

    table = csvcolumns.read(body)
    report = check_columns(table, SPEC)

    assert _dump(report) == _exact(body, Limits())
    assert report.errors == [
        "column 'rain_mm': 2 values are not numbers (rows 5, 205)",
        "column 'delivery_minutes': 1 value is infinite (row 43)",
    ]
    assert report.duplicates == 4
    assert report.columns["city_zone"]["distinct"] == 5


def test_whitespace_is_what_str_strip_strips():
    assert set(WHITESPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}


@pytest.mark.parametrize("zeros", [["0.0", "-0.0"], ["-0.0", "0.0"], ["-0", "-0.0"]])
def test_signed_zeros_fold_as_the_loop_folds_them(zeros):
    data = rows(60)
    for index, row in enumerate(data):
        row["rain_mm"] = zeros[index % 2] if index < 10 else "1.5"
        row["items"] = zeros[index % 2]
    data[1]["distance_km"], data[2]["distance_km"] = zeros
    body = to_csv(data)

    report = check_columns(csvcolumns.read(body), SPEC)

    assert _dump(report) == _exact(body, Limits())


def test_rows_equal_but_for_their_last_field_are_not_duplicates():
    data = rows(60)
    repeats = [{**row, TARGET: "99.5"} for row in data[:5]] + data[5:8]
    body = to_csv(data + repeats)

    report = check_columns(csvcolumns.read(body), SPEC)

    assert report.duplicates == 3
    assert _dump(report) == _exact(body, Limits())


def test_rows_differing_only_in_the_first_of_seventy_columns_are_not_duplicates():
    # Seventy two-valued columns overflow a 64-bit row key unless it is renumbered.
    header = ",".join(f"flag{i}" for i in range(70))
    lines = [header, "0," + "1," * 69, "1," + "1," * 69, "1," + "1," * 69, "0," + "0," * 69]
    body = "\n".join(line.rstrip(",") for line in lines).encode() + b"\n"

    report = check_columns(csvcolumns.read(body), SPEC)

    assert report.rows == 4 and report.duplicates == 1
    assert _dump(report) == _exact(body, Limits())


def test_no_character_outside_ascii_lowers_into_a_missing_token():
    letters = set("".join(MISSING_TOKENS))
    lowered = (chr(c).lower() for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF)

    assert not any(set(text) <= letters for text in lowered)
