"""Sufficient statistics of paired traffic, so hours past the label horizon need no records.

A :class:`Tally` holds what the promotion decision reads from a stretch of paired
champion and challenger predictions: counts, each variant's summed errors (or its
confusion counts), the spread of the actuals and the paired loss differences. Two
tallies of disjoint stretches merge into the tally of both, so the metrics, the
agreement and the paired bound come out as :func:`decision.score`,
:func:`decision.agreement` and :func:`decision.paired_differences` compute them on all
the records (up to floating-point rounding).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lambdas.promotion_check.decision import Joined, agree, paired_differences
from lambdas.shared.endpoint_state import CHALLENGER, CHAMPION
from lambdas.shared.quality import LossStats
from lambdas.shared.quality.losses import label

VARIANTS = (CHAMPION, CHALLENGER)


@dataclass(frozen=True)
class Spread:
    """Count, mean and sum of squared deviations of the actuals (merged exactly, as Chan's)."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    @classmethod
    def of(cls, values: np.ndarray) -> Spread:
        if not values.size:
            return cls()
        mean = float(values.mean())
        return cls(int(values.size), mean, float(np.sum((values - mean) ** 2)))

    def merge(self, other: Spread) -> Spread:
        if not other.n or not self.n:
            return other if not self.n else self
        n = self.n + other.n
        delta = other.mean - self.mean
        return Spread(
            n, self.mean + delta * other.n / n, self.m2 + other.m2 + delta**2 * self.n * other.n / n
        )


@dataclass(frozen=True)
class Errors:
    """One variant's errors on the labelled pairs: summed (regression) or counted by class."""

    squared: float = 0.0
    absolute: float = 0.0
    confusion: Counter = field(default_factory=Counter)
    """(actual label, predicted label) → how many labelled pairs."""

    def merge(self, other: Errors) -> Errors:
        return Errors(
            self.squared + other.squared,
            self.absolute + other.absolute,
            self.confusion + other.confusion,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "squared": self.squared,
            "absolute": self.absolute,
            "confusion": [[a, p, c] for (a, p), c in self.confusion.items()],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Errors:
        confusion = Counter({(a, p): int(c) for a, p, c in raw["confusion"]})
        return cls(float(raw["squared"]), float(raw["absolute"]), confusion)


@dataclass(frozen=True)
class Tally:
    """What the decision needs of some paired traffic; see the module docstring."""

    captured: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VARIANTS, 0))
    paired: int = 0
    agreeing: int = 0
    labelled: int = 0
    truth: Spread = Spread()
    errors: dict[str, Errors] = field(default_factory=lambda: {v: Errors() for v in VARIANTS})
    differences: LossStats = LossStats()

    @classmethod
    def of(cls, task: str, metric: str, joined: Joined, captured: dict[str, int]) -> Tally:
        """The tally of one join (see :func:`decision.join`) of two variants' predictions."""
        truth = joined.truth
        regression = task != "classification"
        actual = np.asarray(truth, dtype=float) if regression else None
        errors = {}
        for variant in VARIANTS:
            predicted = joined.labelled[variant]
            if regression:
                error = np.asarray(predicted, dtype=float) - actual
                errors[variant] = Errors(float(np.sum(error**2)), float(np.sum(np.abs(error))))
            else:
                pairs = zip((label(a) for a in truth), (label(p) for p in predicted), strict=True)
                errors[variant] = Errors(confusion=Counter(pairs))
        differences = paired_differences(
            metric, truth, joined.labelled[CHAMPION], joined.labelled[CHALLENGER]
        )
        champion, challenger = joined.paired[CHAMPION], joined.paired[CHALLENGER]
        return cls(
            captured={v: captured.get(v, 0) for v in VARIANTS},
            paired=len(champion),
            agreeing=sum(agree(task, a, b) for a, b in zip(champion, challenger, strict=True)),
            labelled=len(truth),
            truth=Spread.of(actual) if regression else Spread(len(truth)),
            errors=errors,
            differences=differences or LossStats(),
        )

    def merge(self, other: Tally) -> Tally:
        return Tally(
            captured={v: self.captured[v] + other.captured[v] for v in VARIANTS},
            paired=self.paired + other.paired,
            agreeing=self.agreeing + other.agreeing,
            labelled=self.labelled + other.labelled,
            truth=self.truth.merge(other.truth),
            errors={v: self.errors[v].merge(other.errors[v]) for v in VARIANTS},
            differences=self.differences.merge(other.differences),
        )

    def score(self, metric: str, variant: str) -> float | None:
        """The variant's metric on the labelled pairs, as :func:`decision.score` gives it."""
        n, errors = self.labelled, self.errors[variant]
        if not n:
            return None
        if metric == "rmse":
            return math.sqrt(errors.squared / n)
        if metric == "mae":
            return errors.absolute / n
        if metric == "r2":
            return None if self.truth.m2 == 0 else 1.0 - errors.squared / self.truth.m2
        if metric == "accuracy":
            return sum(c for (a, p), c in errors.confusion.items() if a == p) / n
        if metric == "f1":
            return _f1(errors.confusion)
        return None

    @property
    def agreement(self) -> float | None:
        return self.agreeing / self.paired if self.paired else None

    def paired_differences(self) -> LossStats | None:
        return self.differences if self.differences.n else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "captured": self.captured,
            "paired": self.paired,
            "agreeing": self.agreeing,
            "labelled": self.labelled,
            "truth": {"n": self.truth.n, "mean": self.truth.mean, "m2": self.truth.m2},
            "errors": {v: self.errors[v].to_dict() for v in VARIANTS},
            "differences": self.differences.to_dict(),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Tally:
        """The stored tally; raises KeyError, TypeError or ValueError on another shape."""
        truth = raw["truth"]
        return cls(
            captured={v: int(raw["captured"][v]) for v in VARIANTS},
            paired=int(raw["paired"]),
            agreeing=int(raw["agreeing"]),
            labelled=int(raw["labelled"]),
            truth=Spread(int(truth["n"]), float(truth["mean"]), float(truth["m2"])),
            errors={v: Errors.from_dict(raw["errors"][v]) for v in VARIANTS},
            differences=LossStats.from_dict(raw["differences"]),
        )


def _f1(confusion: Counter) -> float:
    """:func:`decision._f1` from confusion counts: binary F1 of class 1, else macro F1."""
    actual = {a for a, _ in confusion}
    classes = actual | {p for _, p in confusion}
    positives = [1] if classes <= {0, 1} else sorted(actual, key=str)
    scores = []
    for positive in positives:
        tp = confusion.get((positive, positive), 0)
        fp = sum(c for (a, p), c in confusion.items() if a != positive and p == positive)
        fn = sum(c for (a, p), c in confusion.items() if a == positive and p != positive)
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))
