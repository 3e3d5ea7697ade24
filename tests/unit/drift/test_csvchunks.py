"""Streaming CSV into column chunks."""

import io

import pytest

from lambdas.shared.drift import CsvError, iter_csv_chunks


def test_rows_arrive_as_column_chunks_of_bounded_size():
    text = "a,b\n" + "".join(f"{i},x{i}\n" for i in range(5))

    chunks = list(iter_csv_chunks(io.StringIO(text), chunk_rows=2))

    assert [len(c["a"]) for c in chunks] == [2, 2, 1]
    assert chunks[2] == {"a": ["4"], "b": ["x4"]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("a,a\n1,2\n", "unique"),
        ("a,b\n1,2\n3\n", "line 3: 1 fields, the header has 2"),
    ],
)
def test_bad_csv_is_refused_with_the_line_named(text, message):
    with pytest.raises(CsvError, match=message):
        list(iter_csv_chunks(io.StringIO(text)))
