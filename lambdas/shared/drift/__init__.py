"""Drift statistics on numpy and the standard library only (Lambda-safe, fast to import).

``build_baseline`` summarises training data into ``statistics.json``; a
``DriftAccumulator`` bins current data against it chunk by chunk and ``report``
decides per feature and for the dataset.
"""

from lambdas.shared.drift.baseline import (
    CATEGORICAL,
    NUMERIC,
    BaselineError,
    build_baseline,
)
from lambdas.shared.drift.check import DriftAccumulator, Thresholds
from lambdas.shared.drift.csvchunks import CsvError, iter_csv_chunks

__all__ = [
    "CATEGORICAL",
    "NUMERIC",
    "BaselineError",
    "CsvError",
    "DriftAccumulator",
    "Thresholds",
    "build_baseline",
    "iter_csv_chunks",
]
