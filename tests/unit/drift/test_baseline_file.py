"""``ops.drift.baseline``: one read of the file when the first chunk's column types hold."""

import io

import pytest

from lambdas.shared.drift import arrowcsv, build_baseline, iter_csv_chunks
from lambdas.shared.drift.columns import to_numeric
from lambdas.shared.settings import Feature
from shadowloop.ops import drift


def two_pass(text, target=None):
    """The baseline as the csv-module path built it: types over the whole file, then stats."""
    numeric = {}
    for chunk in iter_csv_chunks(io.StringIO(text, newline="")):
        for name, values in chunk.items():
            if numeric.get(name, True):
                numeric[name] = to_numeric(values).type_errors == 0
    features = [
        Feature(name, "numeric" if is_numeric else "categorical")
        for name, is_numeric in numeric.items()
        if name != target
    ]
    return build_baseline(iter_csv_chunks(io.StringIO(text, newline="")), features, target=target)


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(arrowcsv, "BLOCK_BYTES", 256)


def test_a_column_that_turns_to_text_after_the_first_chunk_is_categorical(tmp_path, small_blocks):
    text = "code,x,y\n" + "".join(f"{i % 7},{i * 0.5},{i % 3}\n" for i in range(400))
    text += "A7,1.5,2\n"
    path = tmp_path / "train.csv"
    path.write_text(text)

    baseline, features = drift.baseline(path, target="y")

    assert [(f.name, f.type) for f in features] == [("code", "categorical"), ("x", "numeric")]
    assert baseline == two_pass(text, target="y")


def test_types_that_hold_give_the_two_pass_baseline(tmp_path, small_blocks):
    text = "a,b,c\n" + "".join(f"{i},{i % 5 or ''},z{i % 4}\n" for i in range(500))
    path = tmp_path / "train.csv"
    path.write_text(text)

    baseline, features = drift.baseline(path)

    assert [f.type for f in features] == ["numeric", "numeric", "categorical"]
    assert baseline == two_pass(text)


def test_a_bad_row_after_the_first_chunk_names_its_line(tmp_path, small_blocks):
    path = tmp_path / "train.csv"
    path.write_text("a,b\n" + "1,2\n" * 300 + "1\n")

    with pytest.raises(drift.DriftInputError, match=r"train.csv: line 302: 1 fields, the header"):
        drift.baseline(path)


def test_a_column_with_no_numbers_is_refused_by_name(tmp_path, small_blocks):
    path = tmp_path / "train.csv"
    path.write_text("a,b\n" + "1,\n" * 300)

    with pytest.raises(drift.DriftInputError, match="feature 'b' has no numeric values"):
        drift.baseline(path)
