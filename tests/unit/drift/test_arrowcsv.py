"""pyarrow's CSV reader against the csv-module reader: the same values, counts and errors."""

import io
import json
import random

import numpy as np
import pytest

from lambdas.shared.drift import CsvError, DriftAccumulator, build_baseline, iter_csv_chunks
from lambdas.shared.drift.arrowcsv import TextColumn, iter_csv_columns
from lambdas.shared.drift.baseline import quantiles_of_sorted
from lambdas.shared.drift.columns import count_categories, to_numeric
from lambdas.shared.settings import Feature

# Spellings a CSV cell can take: plain numbers, missing tokens, text, quoting, oddities
# that Python's float() reads but pyarrow's cast does not (and the reverse).
TOKENS = [
    "1", "2.5", " 3", "4 ", "-0", "+7", ".5", "5.", "1e5", "1E-3", "007",
    "", "  ", "nan", "NaN", "NA", "n/a", "N/A", "null", "None",
    "inf", "-inf", "Infinity", "1e999", "nan(1)", "1_000", "0x1", "١",
    "abc", "true", '"8"', '"a,b"', '"x""y"', '"two\nlines"', '"cr\r\nlf"', 'b"c',
    "0.1000000000000000055511151231257827", "1.7976931348623157e308",
]  # fmt: skip


def random_csv(rng: random.Random, columns: int, rows: int) -> str:
    lines = [",".join(f"c{i}" for i in range(columns))]
    for _ in range(rows):
        if rng.random() < 0.03:
            lines.append("")
            continue
        lines.append(
            ",".join(
                rng.choice(TOKENS) if rng.random() < 0.3 else str(round(rng.gauss(5, 3), 3))
                for _ in range(columns)
            )
        )
    text = "\n".join(lines) + rng.choice(["\n", ""])
    return text.replace("\n", "\r\n") if rng.random() < 0.3 else text


def old_chunks(text):
    return iter_csv_chunks(io.StringIO(text, newline=""))


def new_chunks(text, block_bytes=None):
    return iter_csv_columns(
        io.BytesIO(text.encode()), lambda: io.StringIO(text, newline=""), block_bytes=block_bytes
    )


def column_summary(chunks):
    """Per column: every finite value in order, missing, type errors, label counts, rows."""
    out = {}
    for chunk in chunks:
        for name, raw in chunk.items():
            numbers, (labels, absent) = to_numeric(raw), count_categories(raw)
            column = out.setdefault(name, {"values": [], "counts": {}, "rows": 0})
            column["values"] += numbers.values.tolist()
            column["missing"] = column.get("missing", 0) + numbers.missing
            column["type_errors"] = column.get("type_errors", 0) + numbers.type_errors
            column["absent"] = column.get("absent", 0) + absent
            column["rows"] += len(raw)
            for label, n in labels.items():
                column["counts"][label] = column["counts"].get(label, 0) + n
    return out


def outcome(read):
    try:
        return column_summary(read())
    except CsvError as exc:
        return f"CsvError: {exc}"


@pytest.mark.parametrize("seed", range(40))
def test_random_csvs_read_the_same_as_the_csv_module(seed):
    rng = random.Random(seed)
    text = random_csv(rng, columns=rng.randint(1, 4), rows=rng.randint(0, 80))
    block = rng.choice([64, 256, None])

    assert outcome(lambda: new_chunks(text, block)) == outcome(lambda: old_chunks(text))


def test_every_odd_spelling_converts_as_the_list_reader_converts_it():
    import pyarrow as pa

    strings = [t for t in TOKENS if '"' not in t]
    column = TextColumn(pa.array(strings))

    expected = to_numeric(strings)
    assert column.numeric().values.tolist() == expected.values.tolist()
    assert (column.numeric().missing, column.numeric().type_errors) == (
        expected.missing,
        expected.type_errors,
    )
    assert column.category_counts() == count_categories(strings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the CSV is empty (no header row)"),
        ("a,a\n1,2\n", "line 1: the header needs unique, non-empty column names"),
        (" ,\n1,2\n", "line 1: the header needs unique, non-empty column names"),
        ("a,b\n1,2\n3\n", "line 3: 1 fields, the header has 2"),
        ("a,b\n" + "1,2\n" * 500 + "1,2,3\n", "line 502: 3 fields, the header has 2"),
    ],
)
def test_bad_csv_fails_with_the_csv_module_message(text, message):
    with pytest.raises(CsvError) as new:
        list(new_chunks(text, block_bytes=128))

    assert str(new.value) == message


def test_rows_before_a_refused_block_are_yielded_once_and_the_rest_by_the_csv_module():
    # pyarrow reads the first blocks; the quoted "\r\n" near the end sends the rest to csv.
    text = "a,b\n" + "".join(f"{i},x\n" for i in range(300)) + '300,"cr\r\nlf"\n301,y\n'

    chunks = list(new_chunks(text, block_bytes=256))

    assert any(isinstance(c["a"], TextColumn) for c in chunks)
    assert isinstance(chunks[-1]["a"], list)
    assert column_summary(chunks) == column_summary(old_chunks(text))
    assert sum(len(c["a"]) for c in chunks) == 302


def test_a_header_with_a_byte_order_mark_keeps_the_csv_module_name():
    text = "\ufeffa,b\n1,2\n"

    chunks = list(new_chunks(text))

    assert list(chunks[0]) == ["\ufeffa", "b"]


def test_the_baseline_and_the_drift_report_are_identical_to_the_csv_module_path():
    rng = np.random.default_rng(3)
    n = 5_000
    columns = {
        "x": rng.normal(10, 2, n).round(4).astype(str).tolist(),
        "k": rng.integers(0, 9, n).astype(str).tolist(),
        "zone": rng.choice(["n", "s", " e", "w ", "NA", ""], n).tolist(),
    }
    for i in rng.choice(n, 50, replace=False):
        columns["x"][i] = rng.choice(["", "nan", "oops", "inf", " 3.5"])
    text = "x,k,zone\n" + "".join(
        f"{a},{b},{c}\n" for a, b, c in zip(*columns.values(), strict=True)
    )
    features = [Feature("x", "numeric"), Feature("k", "numeric"), Feature("zone", "categorical")]

    old = build_baseline(old_chunks(text), features, target=None)
    new = build_baseline(new_chunks(text, block_bytes=4096), features, target=None)

    assert json.dumps(new) == json.dumps(old)
    # One chunk each: the report sums floats chunk by chunk, so other chunk sizes (either
    # reader's) move its last digits.
    reports = []
    for chunks in (old_chunks(text), new_chunks(text)):
        accumulator = DriftAccumulator(old)
        for chunk in chunks:
            accumulator.add(chunk)
        reports.append(accumulator.report())
    assert reports[0] == reports[1]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 100, 101, 9_999, 250_000])
def test_quantiles_of_sorted_values_are_numpys_bit_for_bit(n):
    rng = np.random.default_rng(n)
    for values in (rng.normal(0, 1, n), rng.integers(0, 5, n).astype(float), rng.gamma(2, 3, n)):
        values = np.sort(values)
        probabilities = np.unique(np.concatenate([np.linspace(0, 1, 101), rng.random(30)]))

        ours = quantiles_of_sorted(values, probabilities)

        assert ours.tobytes() == np.quantile(values, probabilities).tobytes()
