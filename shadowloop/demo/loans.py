"""A seeded loan-approval table for the fairness story: who gets ``approved``, by group.

Every applicant is in ``applicant_group`` A or B, and lives in a ``postcode_band`` that
follows the group closely (a proxy: most of group B lives in the south and west bands).
Income, debt, credit history and loan size are drawn alike for both groups.

- ``fair``: approval depends on the finances alone.
- ``skewed``: past decisions held group B back, so its labels are worse for the same
  finances. A model that never sees the group still learns the skew through the postcode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VARIANTS = ("fair", "skewed")
TARGET = "approved"
GROUP = "applicant_group"
PROXY = "postcode_band"
# How much the skewed labels hold group B back, in units of the approval score.
SKEW = 2.0
# Share of each group living in each band: the proxy's strength.
_BANDS = ("north", "east", "south", "west")
_BAND_SHARES = {"A": (0.45, 0.4, 0.1, 0.05), "B": (0.05, 0.1, 0.4, 0.45)}


def generate(variant: str, *, rows: int, seed: int) -> pd.DataFrame:
    """``rows`` applicants; the same seed gives the same finances in both variants."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown loans variant {variant!r} (use {' or '.join(VARIANTS)})")
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B"], size=rows, p=[0.6, 0.4])
    band = np.array([rng.choice(_BANDS, p=_BAND_SHARES[g]) for g in group])
    income = rng.lognormal(mean=np.log(45), sigma=0.35, size=rows).round(1)
    debt_ratio = rng.beta(2, 5, size=rows).round(3)
    credit_years = rng.integers(0, 30, size=rows)
    loan_amount = rng.gamma(shape=4, scale=5, size=rows).round(1)
    score = (
        0.08 * (income - 45)
        - 8.0 * (debt_ratio - 0.28)
        + 0.12 * (credit_years - 14)
        - 0.06 * (loan_amount - 20)
        + rng.normal(scale=0.5, size=rows)
    )
    if variant == "skewed":
        score = score - SKEW * (group == "B")
    return pd.DataFrame(
        {
            "income": income,
            "debt_ratio": debt_ratio,
            "credit_years": credit_years,
            "loan_amount": loan_amount,
            PROXY: band,
            GROUP: group,
            TARGET: (score > 0).astype(int),
        }
    )
