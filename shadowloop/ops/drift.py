"""Drift statistics on local files: a baseline from a CSV, a report of a CSV against it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from lambdas.shared.drift import (
    CATEGORICAL,
    NUMERIC,
    BaselineError,
    CsvError,
    DriftAccumulator,
    Thresholds,
    build_baseline,
)
from lambdas.shared.drift.arrowcsv import iter_csv_columns
from lambdas.shared.drift.columns import ParsedColumn, to_numeric
from lambdas.shared.settings import Feature


class DriftInputError(ValueError):
    """A file that cannot be read as the drift statistics need it; the message names it."""


def baseline(
    data: Path, *, target: str | None = None, categorical: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[Feature]]:
    """The baseline of ``data`` and the features it summarises.

    A column is numeric when every non-empty value parses as a number, else
    categorical. The types are guessed from the first chunk and checked on every chunk
    while the baseline is built; only a wrong guess costs a second read of the file.
    """
    chunks = _chunks(data)
    first = next(chunks, None)
    if first is None:  # no rows: the errors of the two-pass path
        features = infer_features(data, target=target, categorical=categorical)
        return _baseline_two_pass(data, features, target=target)
    types = _ColumnTypes(categorical)
    types.check(first)
    guess = _features(data, types.numeric, target=target, categorical=categorical)
    stream = types.checked(first, chunks)
    try:
        document, error = build_baseline(stream, guess, target=target), None
    except BaselineError as exc:
        document, error = None, exc
    for _ in stream:  # every chunk checked, whatever the baseline stopped at
        pass
    features = _features(data, types.numeric, target=target, categorical=categorical)
    if features != guess:
        return _baseline_two_pass(data, features, target=target)
    if error is not None:
        raise DriftInputError(f"{data}: {error}")
    return document, features


def _baseline_two_pass(
    data: Path, features: list[Feature], *, target: str | None
) -> tuple[dict[str, Any], list[Feature]]:
    try:
        return build_baseline(_chunks(data), features, target=target), features
    except BaselineError as exc:
        raise DriftInputError(f"{data}: {exc}") from None


class _ColumnTypes:
    """Which columns are numeric so far: no value that is present but not a number."""

    def __init__(self, categorical: frozenset[str] | set[str]) -> None:
        self.categorical = categorical
        self.numeric: dict[str, bool] = {}

    def check(self, chunk: Mapping[str, Any]) -> None:
        for name, values in chunk.items():
            if name in self.categorical:
                self.numeric[name] = False
            elif self.numeric.get(name, True):
                self.numeric[name] = to_numeric(values).type_errors == 0

    def checked(
        self, first: Mapping[str, Any], rest: Iterator[Mapping[str, Any]]
    ) -> Iterator[Mapping[str, Any]]:
        """``first`` (already checked), then each of ``rest`` as it is checked."""
        yield first
        for chunk in rest:
            self.check(chunk)
            yield chunk


def compare(
    statistics: Path,
    current: Path,
    *,
    thresholds: Thresholds,
    critical: frozenset[str] = frozenset(),
    min_rows: int = 0,
) -> dict[str, Any]:
    """The drift report of ``current`` against the baseline in ``statistics``."""
    try:
        accumulator = DriftAccumulator(read_json(statistics))
    except BaselineError as exc:
        raise DriftInputError(f"{statistics}: {exc}") from None
    for chunk in _chunks(current):
        accumulator.add(chunk)
    return accumulator.report(thresholds, critical=set(critical), min_rows=min_rows)


def thresholds(values: Mapping[str, float], *, option: str = "--threshold") -> Thresholds:
    """Thresholds with ``values`` overriding the defaults; an unknown name is refused."""
    unknown = sorted(set(values) - set(Thresholds.__dataclass_fields__))
    if unknown:
        raise DriftInputError(f"{option}: unknown threshold {unknown[0]!r}")
    try:
        return Thresholds.from_dict(dict(values))
    except ValueError as exc:
        raise DriftInputError(str(exc)) from None


def infer_features(
    data: Path, *, target: str | None, categorical: frozenset[str] | set[str]
) -> list[Feature]:
    """Each column of ``data`` but the target, numeric or categorical."""
    types = _ColumnTypes(categorical)
    for chunk in _chunks(data):
        types.check(chunk)
    return _features(data, types.numeric, target=target, categorical=categorical)


def _features(
    data: Path,
    numeric: Mapping[str, bool],
    *,
    target: str | None,
    categorical: frozenset[str] | set[str],
) -> list[Feature]:
    unknown = sorted((set(categorical) | {target} - {None}) - set(numeric))
    if unknown:
        raise DriftInputError(f"{data}: no column named {unknown[0]!r}")
    return [
        Feature(name=name, type=NUMERIC if is_numeric else CATEGORICAL)
        for name, is_numeric in numeric.items()
        if name != target
    ]


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DriftInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DriftInputError(f"{path}: not a JSON document") from None


def write_json(path: Path, document: Any) -> None:
    try:
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise DriftInputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _chunks(path: Path) -> Iterator[dict[str, ParsedColumn | list[str]]]:
    try:
        with path.open("rb") as binary:
            yield from iter_csv_columns(binary, lambda: _lines(path))
    except OSError as exc:
        raise DriftInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DriftInputError(f"{path}: not UTF-8 text") from None
    except CsvError as exc:
        raise DriftInputError(f"{path}: {exc}") from None


def _lines(path: Path) -> Iterator[str]:
    with path.open(newline="", encoding="utf-8") as lines:
        yield from lines
