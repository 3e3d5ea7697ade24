"""The lookup-table binner gives exactly the bins of a binary search."""

import numpy as np
import pytest

from lambdas.shared.drift.bins import EdgeBinner

rng = np.random.default_rng(0)


@pytest.mark.parametrize(
    "data",
    [
        rng.normal(size=20_000),
        rng.standard_t(2, 20_000),
        rng.integers(0, 24, 20_000).astype(float),
        np.r_[np.zeros(18_000), rng.exponential(1.0, 2_000)],
        np.full(100, 3.0),
    ],
    ids=["normal", "heavy-tailed", "integer", "zero-inflated", "constant"],
)
def test_bins_equal_searchsorted(data):
    edges = np.unique(np.quantile(data, np.linspace(0.0, 1.0, 109)))
    probes = np.r_[data * 1.3 + 0.2, edges, edges + 1e-12, edges - 1e-12, -1e300, 1e300]

    assert np.array_equal(EdgeBinner(edges).bin(probes), np.searchsorted(edges, probes))
