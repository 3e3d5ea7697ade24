"""One-sided normal bounds on a mean loss, with the error rate spent across looks.

The monitor looks every hour, often on few labels. Look ``k`` (1, 2, ... since the
monitored model was deployed) may use only ``alpha_k = alpha * 6 / (pi^2 k^2)``;
these sum to ``alpha``, so by the union bound the chance of *any* false alarm over the
model's whole life is at most ``alpha`` whatever the looks' dependence. The bound at
each look is the CLT one, ``mean ± z(1 - alpha_k) * sd / sqrt(n)``, so it holds
asymptotically; ``min_labels`` keeps n large enough for that (see bench/quality_bench.py).
"""

from __future__ import annotations

import math
from statistics import NormalDist

from lambdas.shared.quality.stats import LossStats


def look_alpha(alpha: float, look: int) -> float:
    """The share of ``alpha`` look number ``look`` (from 1) may spend."""
    if look < 1:
        raise ValueError(f"look {look} must be at least 1")
    return alpha * 6.0 / (math.pi**2 * look**2)


def _half_width(stats: LossStats, alpha: float) -> float:
    z = NormalDist().inv_cdf(1.0 - alpha)
    return z * math.sqrt(stats.variance / stats.n)


def lower_bound(stats: LossStats, alpha: float) -> float:
    """A value the true mean loss exceeds with probability at least 1 - alpha."""
    return stats.mean - _half_width(stats, alpha)


def upper_bound(stats: LossStats, alpha: float) -> float:
    """A value the true mean loss stays below with probability at least 1 - alpha."""
    return stats.mean + _half_width(stats, alpha)
