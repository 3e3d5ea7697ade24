"""Build the baseline: a compact per-feature summary of a model's training data.

The shape follows SageMaker Model Monitor's ``statistics.json``: ``dataset.item_count``
and, per feature, ``numerical_statistics`` or ``string_statistics``. Numeric features
carry two binnings of the same exact quantiles:

- ``distribution.kll.buckets``: about 10 quantile bins (equal edges merged), for PSI and
  Jensen-Shannon;
- ``distribution.kll.sketch``: ``edges`` at about 100 quantiles, the baseline CDF at each
  edge and the position of each bin's mean (``centroids``), fine enough for the KS
  statistic and the Wasserstein distance.

The coarse edges are a subset of the sketch edges, so a check bins current data once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from lambdas.shared.drift.columns import count_categories, to_numeric

NUMERIC = "numeric"
CATEGORICAL = "categorical"
SKETCH_BINS = 100
PSI_BINS = 10
TOP_K = 20
# Extra sketch points in both tails: a normal tail is far from linear inside the outer
# 1 % bins, and the Wasserstein distance integrates over those bins' full width.
_TAIL_PROBABILITIES = (0.0001, 0.0003, 0.001, 0.003)
# Interior edges keep 7 significant digits: ~3 KB per feature, KS error well below 1e-3.
_EDGE_DIGITS = 7


_SKETCH_PROBABILITIES = np.unique(
    np.concatenate(
        [
            np.linspace(0.0, 1.0, SKETCH_BINS + 1),
            _TAIL_PROBABILITIES,
            1 - np.array(_TAIL_PROBABILITIES),
        ]
    ).round(6)
)
# The PSI bin edges are sketch points, so a check bins current data only once.
_PSI_POSITIONS = np.searchsorted(
    _SKETCH_PROBABILITIES, np.linspace(0.0, 1.0, PSI_BINS + 1)[1:-1].round(6)
)


class FeatureLike(Protocol):
    name: str
    type: str


class BaselineError(ValueError):
    """A baseline document is missing a field or is inconsistent; the message says which."""


def build_baseline(
    chunks: Iterable[Mapping[str, Sequence[Any]]],
    features: Sequence[FeatureLike],
    *,
    target: str | None = None,
) -> dict[str, Any]:
    """The ``statistics.json`` document of the features over all chunks.

    Numeric columns are held in memory as float arrays so the quantiles are exact
    (a few million rows fit); categorical columns are only counted.
    """
    numeric: dict[str, list[np.ndarray]] = {f.name: [] for f in features if f.type == NUMERIC}
    missing: Counter[str] = Counter()
    categories: dict[str, Counter[str]] = {
        f.name: Counter() for f in features if f.type == CATEGORICAL
    }
    rows = 0
    for chunk in chunks:
        rows += _chunk_rows(chunk)
        for feature in features:
            if feature.name not in chunk:
                raise BaselineError(f"feature {feature.name!r} is not a column of the data")
            raw = chunk[feature.name]
            if feature.type == NUMERIC:
                column = to_numeric(raw)
                numeric[feature.name].append(column.values)
                # Training data already passed validation; a stray value counts as missing.
                missing[feature.name] += column.missing + column.type_errors
            else:
                # Counted per distinct value; the same counts, in the same first-seen order.
                labels, absent = count_categories(raw)
                categories[feature.name].update(labels)
                missing[feature.name] += absent
    summaries = []
    for feature in features:
        if feature.type == NUMERIC:
            values = np.concatenate(numeric.pop(feature.name) or [np.empty(0)])
            summaries.append(_numeric_summary(feature.name, values, missing[feature.name]))
        else:
            summaries.append(
                _categorical_summary(feature.name, categories[feature.name], missing[feature.name])
            )
    return {
        "version": 0.0,
        "dataset": {"item_count": rows, "target": target},
        "features": summaries,
    }


def _chunk_rows(chunk: Mapping[str, Sequence[Any]]) -> int:
    return len(next(iter(chunk.values()))) if chunk else 0


def _numeric_summary(name: str, values: np.ndarray, missing: int) -> dict[str, Any]:
    if values.size == 0:
        raise BaselineError(f"feature {name!r} has no numeric values to summarise")
    values = np.sort(values)
    low, high = float(values[0]), float(values[-1])
    quantiles = quantiles_of_sorted(values, _SKETCH_PROBABILITIES)
    quantiles = np.array([float(f"{q:.{_EDGE_DIGITS}g}") for q in quantiles])
    # Rounding must not move an edge outside the observed range.
    quantiles = np.clip(quantiles, low, high)
    quantiles[0], quantiles[-1] = low, high
    inner = np.unique(quantiles[_PSI_POSITIONS])
    inner = inner[(inner >= low) & (inner < high)]
    edges = np.unique(quantiles)
    below_edge = np.searchsorted(values, edges, side="right")
    cdf = below_edge / values.size
    centroids = _centroids(values, edges, below_edge)
    bounds = [low, *inner.tolist(), high]
    counts = np.diff(np.searchsorted(values, [-np.inf, *inner.tolist(), np.inf], side="right"))
    buckets = [
        {"lower_bound": lo, "upper_bound": hi, "count": int(n)}
        for lo, hi, n in zip(bounds[:-1], bounds[1:], counts, strict=True)
    ]
    integral = bool(np.all(values == np.round(values)))
    return {
        "name": name,
        "inferred_type": "Integral" if integral else "Fractional",
        "numerical_statistics": {
            "common": {"num_present": int(values.size), "num_missing": int(missing)},
            "mean": float(values.mean()),
            "sum": float(values.sum()),
            "std_dev": float(values.std()),
            "min": low,
            "max": high,
            "distribution": {
                "kll": {
                    "buckets": buckets,
                    "sketch": {
                        "edges": edges.tolist(),
                        "cdf": [round(float(c), 7) for c in cdf],
                        "centroids": centroids,
                    },
                }
            },
        },
    }


def quantiles_of_sorted(values: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """``np.quantile(values, probabilities)`` (method "linear") of sorted values, bit for bit.

    numpy would partition the already sorted array again (a fifth of a baseline's time);
    these are its index and interpolation steps alone.
    """
    n = values.size
    virtual = (n - 1) * probabilities
    previous = np.floor(virtual)
    following = previous + 1
    last = virtual >= n - 1
    previous[last] = following[last] = -1
    previous, following = previous.astype(np.intp), following.astype(np.intp)
    gamma = np.asarray(virtual - previous, dtype=virtual.dtype)
    low, high = values[previous], values[following]
    step = high - low
    # numpy's lerp: from the nearer end, so the result stays within [low, high].
    return np.where(gamma >= 0.5, high - step * (1 - gamma), low + step * gamma)


def _centroids(values: np.ndarray, edges: np.ndarray, below_edge: np.ndarray) -> list[float]:
    """Where the mean of each sketch bin (edges[i], edges[i+1]] sits: 0 left edge, 1 right edge.

    With the CDF at the edges this gives the exact integral of the CDF over each bin,
    which keeps the Wasserstein distance exact on discrete and skewed data.
    """
    prefix = np.concatenate(([0.0], np.cumsum(values)))
    counts = np.diff(below_edge)
    sums = prefix[below_edge[1:]] - prefix[below_edge[:-1]]
    widths = np.diff(edges)
    means = np.divide(sums, counts, out=edges[:-1] + widths / 2, where=counts > 0)
    return [round(float(p), 4) for p in np.clip((means - edges[:-1]) / widths, 0.0, 1.0)]


def _categorical_summary(name: str, counts: Counter[str], missing: int) -> dict[str, Any]:
    present = sum(counts.values())
    if present == 0:
        raise BaselineError(f"feature {name!r} has no values to summarise")
    top = counts.most_common(TOP_K)
    return {
        "name": name,
        "inferred_type": "String",
        "string_statistics": {
            "common": {"num_present": present, "num_missing": int(missing)},
            "distinct_count": len(counts),
            "distribution": {
                "categorical": {
                    "buckets": [{"value": value, "count": n} for value, n in top],
                    "other_count": present - sum(n for _, n in top),
                }
            },
        },
    }
