"""Distance measures between a baseline and a current distribution, from counts only."""

from __future__ import annotations

import math

import numpy as np

# Shares are clipped here before PSI takes logarithms, so an empty bin costs a
# finite amount (the convention Evidently and most PSI write-ups use).
PSI_EPSILON = 1e-4


def shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total > 0 else np.zeros_like(counts, dtype=np.float64)


def psi(baseline: np.ndarray, current: np.ndarray) -> float:
    """Population stability index of two share vectors over the same bins."""
    b = np.clip(baseline, PSI_EPSILON, None)
    c = np.clip(current, PSI_EPSILON, None)
    return float(np.sum((c - b) * np.log(c / b)))


def jensen_shannon(baseline: np.ndarray, current: np.ndarray) -> float:
    """Jensen-Shannon distance (base 2, so in [0, 1]) of two share vectors."""
    m = (baseline + current) / 2
    divergence = (_kl2(baseline, m) + _kl2(current, m)) / 2
    return float(math.sqrt(max(divergence, 0.0)))


def linf(baseline: np.ndarray, current: np.ndarray) -> float:
    """Largest absolute difference between two share vectors."""
    return float(np.max(np.abs(baseline - current))) if baseline.size else 0.0


def ks_statistic(baseline_cdf: np.ndarray, current_cdf: np.ndarray) -> float:
    """Largest CDF gap over shared evaluation points."""
    return float(np.max(np.abs(baseline_cdf - current_cdf))) if baseline_cdf.size else 0.0


def ks_pvalue(statistic: float, n: int, m: int) -> float:
    """Two-sample KS p-value from the asymptotic Kolmogorov distribution."""
    if n <= 0 or m <= 0:
        return 1.0
    en = math.sqrt(n * m / (n + m))
    # Stephens' small-sample correction (as in Numerical Recipes' probks).
    return kolmogorov_survival((en + 0.12 + 0.11 / en) * statistic)


def kolmogorov_survival(lam: float) -> float:
    """P(K > lam) for the Kolmogorov distribution, Q(lam) = 2 sum (-1)^(j-1) exp(-2 j^2 lam^2)."""
    if lam < 0.18:
        return 1.0
    total = 0.0
    for j in range(1, 101):
        term = 2.0 * (-1) ** (j - 1) * math.exp(-2.0 * j * j * lam * lam)
        total += term
        if abs(term) < 1e-12:
            break
    return float(min(max(total, 0.0), 1.0))


def wasserstein_from_bins(
    edges: np.ndarray,
    baseline_cdf: np.ndarray,
    baseline_area: np.ndarray,
    current_cdf: np.ndarray,
    current_area: np.ndarray,
) -> float:
    """Integral of |F_b - F_c| over [edges[0], edges[-1]].

    ``*_area`` is the integral of each CDF over each bin (edges[i], edges[i+1]]. Where the
    gap keeps its sign across a bin, |integral of the gap| is exact; where the CDFs cross
    inside a bin, the gap is taken as linear there.
    """
    if edges.size < 2:
        return 0.0
    gap = baseline_cdf - current_cdf
    left, right = gap[:-1], gap[1:]
    crossing = left * right < 0
    span = np.where(crossing, np.abs(left) + np.abs(right), 1.0)
    triangles = (left**2 + right**2) / (2 * span) * np.diff(edges)
    return float(np.sum(np.where(crossing, triangles, np.abs(baseline_area - current_area))))


def bin_area(edges: np.ndarray, cdf: np.ndarray, mass_times_offset: np.ndarray) -> np.ndarray:
    """Integral of a CDF over each bin (edges[i], edges[i+1]].

    By parts: w * F(right edge) - sum over the bin's values of (x - left edge) / n, and that
    sum is ``mass_times_offset`` (the bin's share times its mean's distance from the left edge).
    """
    return np.diff(edges) * cdf[1:] - mass_times_offset


def _kl2(p: np.ndarray, q: np.ndarray) -> float:
    mask = p > 0
    return float(np.sum(p[mask] * np.log2(p[mask] / q[mask])))
