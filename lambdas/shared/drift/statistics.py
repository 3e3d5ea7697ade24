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


def wasserstein_from_cdfs(
    edges: np.ndarray, baseline_cdf: np.ndarray, current_cdf: np.ndarray
) -> float:
    """Integral of |F_b - F_c| over [edges[0], edges[-1]], both CDFs linear between edges."""
    if edges.size < 2:
        return 0.0
    gap = baseline_cdf - current_cdf
    widths = np.diff(edges)
    left, right = gap[:-1], gap[1:]
    same_sign = left * right >= 0
    # Where the gap changes sign inside a bin, integrate the two triangles exactly.
    total = np.where(
        same_sign,
        (np.abs(left) + np.abs(right)) / 2,
        (left**2 + right**2) / (2 * np.where(same_sign, 1.0, np.abs(left) + np.abs(right))),
    )
    return float(np.sum(total * widths))


def _kl2(p: np.ndarray, q: np.ndarray) -> float:
    mask = p > 0
    return float(np.sum(p[mask] * np.log2(p[mask] / q[mask])))
