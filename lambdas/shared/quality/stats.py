"""Sufficient statistics of a loss sample: count, sum and sum of squares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LossStats:
    """Enough to compute a mean and its variance, and to merge windows without the records."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    @classmethod
    def of(cls, values: Any) -> LossStats:
        array = np.asarray(values, dtype=float)
        return cls(int(array.size), float(array.sum()), float(np.square(array).sum()))

    def merge(self, other: LossStats) -> LossStats:
        return LossStats(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else float("nan")

    @property
    def variance(self) -> float:
        """Sample variance (n - 1); 0 for fewer than two values."""
        if self.n < 2:
            return 0.0
        return max(self.total_sq - self.n * self.mean**2, 0.0) / (self.n - 1)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "sum": self.total, "sum_sq": self.total_sq}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> LossStats:
        return cls(int(raw["n"]), float(raw["sum"]), float(raw["sum_sq"]))
