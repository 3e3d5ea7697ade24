"""From a CSV to model inputs: reading, column checks and the preprocessing step."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from modelspec import InputError, ModelSpec

# Rare categories share one column, so a free-text category cannot blow up the width.
_MAX_CATEGORIES = 50

# ValidateData's rules, so a file it passes trains (lambdas/validate_data/quality.py and
# lambdas/shared/csvtext.py, which this code cannot import): these spellings of "no value",
# in any case and padded with spaces, are missing; names in the header are stripped; the
# text is strict UTF-8 after an optional BOM; rows are numbered with the header as row 1.
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})
_NA_VALUES = sorted(
    "".join(letters)
    for token in MISSING_TOKENS
    for letters in itertools.product(*({c.lower(), c.upper()} for c in token))
)


class DataError(InputError):
    """The data does not fit the model spec; the message names the column."""


def read_csv_dir(directory: Path) -> tuple[pd.DataFrame, str]:
    """The one CSV in a SageMaker input directory, and its file name."""
    if not directory.is_dir():
        raise InputError(f"input directory {directory} does not exist")
    found = sorted(directory.glob("*.csv"))
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise InputError(f"expected exactly one CSV file in {directory}, found {names}")
    try:
        frame = pd.read_csv(
            found[0], encoding="utf-8-sig", keep_default_na=False, na_values=_NA_VALUES
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{found[0].name}: not a readable CSV ({first_line})") from None
    frame.columns = [str(name).strip() for name in frame.columns]
    return frame, found[0].name


def require_columns(frame: pd.DataFrame, names: list[str]) -> None:
    """Fail with the first missing column's name."""
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise DataError(f"data: missing column {missing[0]!r} (found: {', '.join(frame.columns)})")


def model_inputs(frame: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """The spec's feature columns in spec order, numbers as floats and categories as text."""
    require_columns(frame, spec.feature_names)
    inputs = pd.DataFrame(index=frame.index)
    for feature in spec.features:
        column = frame[feature.name]
        if feature.type == "numeric":
            inputs[feature.name] = _numbers(column, feature.name)
        else:
            # Text everywhere, so a zone read from CSV as 3 matches a request's "3".
            text = column.astype(object).map(_category)
            inputs[feature.name] = text.astype(object)
    return inputs


def target_values(frame: pd.DataFrame, spec: ModelSpec) -> pd.Series:
    """The target column; a regression target must be numeric."""
    require_columns(frame, [spec.target])
    column = frame[spec.target]
    if spec.task == "regression":
        return _numbers(column, spec.target)
    return column


def preprocessor(spec: ModelSpec) -> ColumnTransformer:
    """Impute numbers by the median; impute and one-hot encode categories.

    Numbers are not scaled: the gradient-boosted trees downstream split on order only.
    """
    steps = []
    numeric = spec.names_of("numeric")
    categorical = spec.names_of("categorical")
    if numeric:
        steps.append(("numeric", SimpleImputer(strategy="median"), numeric))
    if categorical:
        encode = Pipeline(
            [
                ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
                (
                    "encode",
                    OneHotEncoder(
                        handle_unknown="ignore",
                        max_categories=_MAX_CATEGORIES,
                        sparse_output=False,
                    ),
                ),
            ]
        )
        steps.append(("categorical", encode, categorical))
    return ColumnTransformer(steps, remainder="drop", verbose_feature_names_out=False)


def _numbers(column: pd.Series, name: str) -> pd.Series:
    column = column.mask(column.map(_is_missing_text))
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() & column.notna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"column {name!r} must be numeric; row {_row(column.index[position])} "
            f"has {column.iloc[position]!r}"
        )
    return values.astype(float)


def _is_missing_text(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in MISSING_TOKENS


def _row(label: object) -> object:
    """The spreadsheet row of a frame's index label (the header is row 1)."""
    return label + 2 if isinstance(label, int | np.integer) else label


def _category(value: object) -> object:
    if _is_missing_text(value):
        return np.nan
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
