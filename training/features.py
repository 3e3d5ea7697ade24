"""From a CSV to model inputs: reading, column checks and the preprocessing step."""

from __future__ import annotations

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
        frame = pd.read_csv(found[0])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{found[0].name}: not a readable CSV ({first_line})") from None
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
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() & column.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"column {name!r} must be numeric; row {row} has {column.iloc[row]!r}")
    return values.astype(float)


def _category(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
