"""The drift check: one pass over current data, binned against the baseline's edges.

Decision rule (every threshold is configurable):

- a numeric feature has drifted when its normalised Wasserstein distance is above
  ``wasserstein`` or its PSI reaches ``psi_alert``; on windows of at most 1000 rows the
  KS p-value must also be below 0.05, because there sampling noise alone pushes the
  Wasserstein distance past 0.1 in about a quarter of same-distribution windows.
  Jensen-Shannon is reported but does not decide numeric features;
- a categorical feature has drifted when the L-infinity distance of its shares is above
  ``linf`` or its Jensen-Shannon distance is above ``jensen_shannon``;
- the dataset has drifted when the share of drifted features is at least ``drift_share``
  or any critical feature has drifted;
- a window with fewer than ``min_rows`` rows is ``insufficient_data``, never drift.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from lambdas.shared.drift import statistics as st
from lambdas.shared.drift.baseline import BaselineError
from lambdas.shared.drift.bins import EdgeBinner
from lambdas.shared.drift.columns import count_categories, to_numeric

# Up to this many rows the KS p-value is computed and a numeric feature must also show a
# significant KS gap to count as drifted; above it every gap is "significant" anyway.
KS_PVALUE_MAX_ROWS = 1000
KS_SIGNIFICANCE = 0.05
OTHER = "__other__"


@dataclass(frozen=True)
class Thresholds:
    psi_warn: float = 0.1
    psi_alert: float = 0.2
    jensen_shannon: float = 0.1
    wasserstein: float = 0.1
    linf: float = 0.1
    drift_share: float = 0.5

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Thresholds:
        """Thresholds from a config block; unknown keys (schedule, min_rows...) are ignored."""
        if not isinstance(raw, Mapping):
            raise ValueError("drift thresholds: expected an object")
        values = {}
        for f in fields(cls):
            if f.name not in raw:
                continue
            value = raw[f.name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"drift thresholds: {f.name}={value!r} must be a number >= 0")
            values[f.name] = float(value)
        return cls(**values)


class _NumericState:
    """Fine-bin counts of one numeric feature, plus the exact tails outside the baseline range."""

    def __init__(self, feature: Mapping[str, Any]) -> None:
        stats = _field(feature, "numerical_statistics")
        kll = _field(_field(stats, "distribution"), "kll")
        sketch = _field(kll, "sketch")
        self.low = float(_field(stats, "min"))
        self.high = float(_field(stats, "max"))
        self.std = float(_field(stats, "std_dev"))
        self.baseline_count = int(_field(_field(stats, "common"), "num_present"))
        self.edges = np.asarray(_field(sketch, "edges"), dtype=np.float64)
        self.baseline_cdf = np.asarray(_field(sketch, "cdf"), dtype=np.float64)
        centroids = np.asarray(_field(sketch, "centroids"), dtype=np.float64)
        buckets = _field(kll, "buckets")
        counts = np.asarray([b["count"] for b in buckets], dtype=np.float64)
        self.baseline_shares = st.shares(counts)
        inner = np.asarray([b["upper_bound"] for b in buckets[:-1]], dtype=np.float64)
        self.inner_positions = np.searchsorted(self.edges, inner)
        if (
            self.edges.size == 0
            or self.edges.size != self.baseline_cdf.size
            or np.any(np.diff(self.edges) <= 0)
            or not np.array_equal(self.edges[self.inner_positions], inner)
        ):
            raise BaselineError(f"feature {feature['name']!r}: sketch edges are inconsistent")
        if centroids.size != self.edges.size - 1:
            raise BaselineError(
                f"feature {feature['name']!r}: sketch centroids do not fit the edges"
            )
        widths = np.diff(self.edges)
        self.baseline_area = st.bin_area(
            self.edges, self.baseline_cdf, np.diff(self.baseline_cdf) * centroids * widths
        )
        self.sums = np.zeros(self.edges.size + 1, dtype=np.float64)
        self.binner = EdgeBinner(self.edges)
        self.counts = np.zeros(self.edges.size + 1, dtype=np.int64)
        self.below_sum = self.above_sum = 0.0
        self.below = self.above = 0
        self.missing = self.type_errors = 0

    def add(self, raw: Sequence[Any]) -> None:
        column = to_numeric(raw)
        self.missing += column.missing
        self.type_errors += column.type_errors
        x = column.values
        index = self.binner.bin(x)
        self.counts += np.bincount(index, minlength=self.counts.size)
        self.sums += np.bincount(index, weights=x, minlength=self.sums.size)
        below, above = x[x < self.low], x[x > self.high]
        self.below += below.size
        self.above += above.size
        self.below_sum += float(np.sum(self.low - below))
        self.above_sum += float(np.sum(above - self.high))

    def report(self, t: Thresholds, rows: int) -> dict[str, Any]:
        n = int(self.counts.sum())
        quality = {
            "missing_share": _share(self.missing, rows),
            "out_of_range_share": _share(self.below + self.above, n),
            "type_errors": self.type_errors,
        }
        if n == 0:
            return _numeric_scores(None, None, None, None, None) | quality | {"drifted": False}
        cumulative = np.cumsum(self.counts)
        current_cdf = cumulative[:-1] / n
        coarse = np.diff(np.concatenate(([0], cumulative[self.inner_positions], [n])))
        current_shares = coarse / n
        psi = st.psi(self.baseline_shares, current_shares)
        js = st.jensen_shannon(self.baseline_shares, current_shares)
        ks = max(st.ks_statistic(self.baseline_cdf, current_cdf), self.below / n)
        wasserstein = self._wasserstein(current_cdf, n)
        pvalue = st.ks_pvalue(ks, self.baseline_count, n) if n <= KS_PVALUE_MAX_ROWS else None
        drifted = wasserstein > t.wasserstein or psi >= t.psi_alert
        if pvalue is not None:
            # A few hundred rows scatter the Wasserstein distance around 0.1 by chance alone.
            drifted = drifted and pvalue < KS_SIGNIFICANCE
        return (
            _numeric_scores(psi, js, wasserstein, ks, pvalue)
            | {"psi_level": _psi_level(psi, t)}
            | quality
            | {"drifted": bool(drifted)}
        )

    def _wasserstein(self, current_cdf: np.ndarray, n: int) -> float:
        inner_counts = self.counts[1:-1]
        offset = (self.sums[1:-1] - inner_counts * self.edges[:-1]) / n
        current_area = st.bin_area(self.edges, current_cdf, offset)
        inside = st.wasserstein_from_bins(
            self.edges, self.baseline_cdf, self.baseline_area, current_cdf, current_area
        )
        distance = inside + (self.below_sum + self.above_sum) / n
        # A constant baseline has no spread to normalise by; use the raw distance.
        return distance / self.std if self.std > 0 else distance


class _CategoricalState:
    """Counts of the baseline's categories, and of everything else as one bucket."""

    def __init__(self, feature: Mapping[str, Any]) -> None:
        stats = _field(feature, "string_statistics")
        distribution = _field(_field(stats, "distribution"), "categorical")
        buckets = _field(distribution, "buckets")
        self.categories = [str(b["value"]) for b in buckets]
        baseline = [float(b["count"]) for b in buckets]
        baseline.append(float(distribution.get("other_count", 0)))
        self.baseline_counts = np.asarray(baseline)
        self.index = {c: i for i, c in enumerate(self.categories)}
        self.counts = np.zeros(len(self.categories) + 1, dtype=np.int64)
        self.missing = 0

    def add(self, raw: Sequence[Any]) -> None:
        counts, missing = count_categories(raw)
        self.missing += missing
        other = len(self.categories)
        for label, n in counts.items():
            self.counts[self.index.get(label, other)] += n

    def report(self, t: Thresholds, rows: int) -> dict[str, Any]:
        n = int(self.counts.sum())
        base, current = self.baseline_counts, self.counts.astype(np.float64)
        if base[-1] == 0 and current[-1] == 0:
            base, current = base[:-1], current[:-1]
        quality = {"missing_share": _share(self.missing, rows)}
        if n == 0:
            scores = {"psi": None, "js": None, "linf": None, "unseen_share": None}
            return {"type": "categorical"} | scores | quality | {"drifted": False}
        b, c = st.shares(base), st.shares(current)
        psi = st.psi(b, c)
        js = st.jensen_shannon(b, c)
        linf = st.linf(b, c)
        drifted = linf > t.linf or js > t.jensen_shannon
        return (
            {
                "type": "categorical",
                "psi": psi,
                "psi_level": _psi_level(psi, t),
                "js": js,
                "linf": linf,
                # Exact when the baseline listed every category (other_count 0); otherwise
                # categories too rare for the baseline's top K count as unseen too.
                "unseen_share": _share(int(self.counts[-1]), n),
            }
            | quality
            | {"drifted": bool(drifted)}
        )


class DriftAccumulator:
    """Accumulates current data chunk by chunk; ``report`` compares it with the baseline."""

    def __init__(self, baseline: Mapping[str, Any]) -> None:
        try:
            features = baseline["features"]
            self.target = baseline["dataset"].get("target")
            self._states = {f["name"]: _state(f) for f in features}
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, BaselineError):
                raise
            raise BaselineError(f"baseline is malformed: {exc!r}") from None
        self.rows = 0
        self._columns: set[str] = set()

    def add(self, chunk: Mapping[str, Sequence[Any]]) -> None:
        """Bin one chunk (column name → raw values) against the baseline."""
        if not chunk:
            return
        self.rows += len(next(iter(chunk.values())))
        self._columns.update(chunk)
        for name, state in self._states.items():
            if name in chunk:
                state.add(chunk[name])

    def report(
        self,
        thresholds: Thresholds | None = None,
        *,
        critical: Collection[str] = (),
        min_rows: int = 0,
    ) -> dict[str, Any]:
        """The drift report of everything added so far."""
        t = thresholds or Thresholds()
        sufficient = self.rows >= max(min_rows, 1)
        features: dict[str, dict[str, Any]] = {}
        for name, state in self._states.items():
            if name not in self._columns:
                features[name] = {"status": "missing", "drifted": False}
                continue
            result = state.report(t, self.rows)
            # Too few rows to tell drift from noise: report the scores, decide nothing.
            result["drifted"] = result["drifted"] and sufficient
            features[name] = result
        for name in sorted(self._columns - set(self._states) - {self.target}):
            features[name] = {"status": "unexpected", "drifted": False}
        compared = [f for f in features.values() if "status" not in f]
        drifted = [name for name, f in features.items() if f["drifted"]]
        share = len(drifted) / len(compared) if compared else 0.0
        critical_drifted = sorted(set(drifted) & set(critical))
        return {
            "status": "ok" if sufficient else "insufficient_data",
            "rows": self.rows,
            "drifted": sufficient and (share >= t.drift_share or bool(critical_drifted)),
            "drift_share": share,
            "drifted_features": drifted,
            "critical_drifted": critical_drifted,
            "features": features,
            "thresholds": asdict(t),
            "min_rows": min_rows,
        }


def _state(feature: Mapping[str, Any]) -> _NumericState | _CategoricalState:
    if "numerical_statistics" in feature:
        return _NumericState(feature)
    if "string_statistics" in feature:
        return _CategoricalState(feature)
    raise BaselineError(f"feature {feature.get('name')!r} has no numerical or string statistics")


def _field(block: Mapping[str, Any], key: str) -> Any:
    if not isinstance(block, Mapping) or key not in block:
        raise BaselineError(f"baseline is missing {key!r}")
    return block[key]


def _numeric_scores(
    psi: float | None,
    js: float | None,
    wasserstein: float | None,
    ks: float | None,
    pvalue: float | None,
) -> dict[str, Any]:
    return {
        "type": "numeric",
        "psi": psi,
        "js": js,
        "wasserstein": wasserstein,
        "ks": ks,
        "ks_pvalue": pvalue,
    }


def _psi_level(psi: float, t: Thresholds) -> str:
    if psi >= t.psi_alert:
        return "alert"
    return "warn" if psi >= t.psi_warn else "ok"


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
