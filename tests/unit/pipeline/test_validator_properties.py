"""Property-based: any bytes given to ValidateData end in a report or a one-line error."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from lambdas.shared import csvtext
from lambdas.validate_data.quality import check
from tests.unit.pipeline.data import COLUMNS, SPEC, rows, to_csv

CASES = settings(max_examples=400, deadline=None, derandomize=True, database=None)
cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", "NaN", " null ", "1e999", "-0", "3", '"', "\r", "\x00", "inf"]
)


def _table(header, body):
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    return out.getvalue().encode("utf-8")


tables = st.builds(
    _table,
    st.lists(st.sampled_from(COLUMNS) | cells, min_size=1, max_size=10),
    st.lists(st.lists(cells, max_size=10), max_size=30),
)
# A clean table with one place broken: bytes cut, replaced or inserted.
damaged = st.builds(
    lambda body, at, junk: body[:at] + junk + body[at + len(junk) :],
    st.just(to_csv(rows(60))),
    st.integers(0, 4000),
    st.binary(min_size=1, max_size=8),
)


def _outcome(body: bytes):
    try:
        return check(csvtext.records(io.BytesIO(body)), SPEC)
    except csvtext.UnreadableCsv as exc:
        message = str(exc)
        assert message.startswith("row ") and "\n" not in message
        return None


@CASES
@given(body=st.binary(max_size=300) | tables | damaged)
def test_any_bytes_give_a_report_or_a_one_line_error(body):
    report = _outcome(body)
    if report is not None:
        assert all(isinstance(e, str) and "\n" not in e for e in report.errors)
        assert report.passed == (not report.errors)
