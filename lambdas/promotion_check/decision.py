"""Challenger against champion on the same labelled traffic: metrics, agreement, decision.

Pure functions over plain lists, so the decision is tested without any AWS.

The check looks every hour, so a point comparison alone would promote a lucky
challenger sooner or later. Where the metric has a per-record loss (rmse, mae,
accuracy) the decision also needs the paired loss differences (champion's loss minus
challenger's on the same labelled request) to be surely positive, or surely negative
to retire, with the same alpha spending across looks as the live quality monitor
(:mod:`lambdas.shared.quality.bounds`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lambdas.shared.quality import LossStats, losses, lower_bound, upper_bound
from lambdas.shared.quality.losses import SUPPORTED_METRICS, label, usable

PROMOTE = "promote"
RETIRE = "retire"
WAIT = "wait"
NONE = "none"

# Two regression predictions agree when within 10 % of each other, or 1 unit
# for small values (minutes of an ETA, say), where 10 % is too strict.
AGREEMENT_RELATIVE = 0.10
AGREEMENT_ABSOLUTE = 1.0


@dataclass(frozen=True)
class Decision:
    decision: str
    reason: str


@dataclass(frozen=True)
class Paired:
    """Per-record loss differences, champion minus challenger, and the alpha of this look."""

    differences: LossStats
    alpha: float

    @property
    def lower(self) -> float:
        return lower_bound(self.differences, self.alpha)

    @property
    def upper(self) -> float:
        return upper_bound(self.differences, self.alpha)


def paired_differences(
    metric: str, truth: Sequence[Any], champion: Sequence[Any], challenger: Sequence[Any]
) -> LossStats | None:
    """Sufficient statistics of the paired loss differences; None without a per-record loss."""
    if metric not in SUPPORTED_METRICS or not truth:
        return None
    return LossStats.of(losses(metric, truth, champion) - losses(metric, truth, challenger))


@dataclass(frozen=True)
class Joined:
    """Both variants' predictions on the same requests, and the truth where it is known."""

    paired: dict[str, list[Any]]
    labelled: dict[str, list[Any]]
    truth: list[Any]


def join(task: str, predictions: dict[str, dict[str, Any]], actuals: dict[str, Any]) -> Joined:
    """Join variants' predictions by inference id, then feedback on the same ids.

    Capture sampling may differ per variant, so only ids every variant saw (with a
    scorable prediction) are compared; unlabelled ones still count for agreement.
    """
    variants = list(predictions)
    common = set.intersection(*(set(p) for p in predictions.values())) if predictions else set()
    paired = [i for i in sorted(common) if all(usable(task, predictions[v][i]) for v in variants)]
    labelled = [i for i in paired if i in actuals and usable(task, actuals[i])]
    return Joined(
        paired={v: [predictions[v][i] for i in paired] for v in variants},
        labelled={v: [predictions[v][i] for i in labelled] for v in variants},
        truth=[actuals[i] for i in labelled],
    )


def score(metric: str, actual: Sequence[Any], predicted: Sequence[Any]) -> float | None:
    """The primary metric of ``predicted`` against ``actual``; None when it cannot be computed."""
    if not actual or len(actual) != len(predicted):
        return None
    if metric in ("rmse", "mae", "r2"):
        y, p = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
        error = p - y
        if metric == "rmse":
            return float(np.sqrt(np.mean(error**2)))
        if metric == "mae":
            return float(np.mean(np.abs(error)))
        spread = float(np.sum((y - y.mean()) ** 2))
        return None if spread == 0 else 1.0 - float(np.sum(error**2)) / spread
    labels_true, labels_pred = [label(a) for a in actual], [label(p) for p in predicted]
    if metric == "accuracy":
        return sum(a == p for a, p in zip(labels_true, labels_pred, strict=True)) / len(actual)
    if metric == "f1":
        return _f1(labels_true, labels_pred)
    return None


def agreement(task: str, champion: Sequence[Any], challenger: Sequence[Any]) -> float | None:
    """Share of paired predictions on which champion and challenger agree."""
    if not champion:
        return None
    agreeing = sum(agree(task, a, b) for a, b in zip(champion, challenger, strict=True))
    return agreeing / len(champion)


def agree(task: str, champion: Any, challenger: Any) -> bool:
    if task == "classification":
        return label(champion) == label(challenger)
    a, b = float(champion), float(challenger)
    return abs(a - b) <= max(AGREEMENT_RELATIVE * abs(a), AGREEMENT_ABSOLUTE)


def improvement(champion: float, challenger: float, direction: str) -> float:
    """Relative improvement of the challenger, positive when it is better."""
    gain = champion - challenger if direction == "minimize" else challenger - champion
    scale = abs(champion)
    if scale == 0:
        return 0.0 if gain == 0 else math.copysign(math.inf, gain)
    return gain / scale


def decide(
    *,
    champion_metric: float | None,
    challenger_metric: float | None,
    direction: str,
    labelled: int,
    min_labelled: int,
    margin: float,
    champion_error_rate: float | None,
    challenger_error_rate: float | None,
    paired: Paired | None = None,
) -> Decision:
    """Promote a clearly better challenger, retire a clearly worse one, else wait.

    "Clearly" is the margin on the metric, and with ``paired`` also a paired-difference
    bound that excludes no difference. Error rates block a promotion only when both are
    known: locally and on a quiet endpoint CloudWatch may have no data, and labelled
    quality decides then.
    """
    if labelled < min_labelled:
        return Decision(WAIT, f"{labelled} of {min_labelled} labelled records")
    if champion_metric is None or challenger_metric is None:
        return Decision(WAIT, "the metric could not be computed on the labelled records")
    gain = improvement(champion_metric, challenger_metric, direction)
    compared = (
        f"challenger {challenger_metric:.4g} vs champion {champion_metric:.4g} "
        f"({gain:+.1%}, margin {margin:.1%})"
    )
    if paired is not None and (
        gain > margin and paired.lower <= 0 or gain < -margin and paired.upper >= 0
    ):
        return Decision(
            WAIT,
            f"{compared}, but not yet sure: paired loss difference in "
            f"[{paired.lower:.4g}, {paired.upper:.4g}] at alpha {paired.alpha:.2g}",
        )
    if gain > margin:
        if (
            champion_error_rate is not None
            and challenger_error_rate is not None
            and challenger_error_rate > champion_error_rate
        ):
            return Decision(
                WAIT,
                f"{compared}, but challenger error rate {challenger_error_rate:.2%} "
                f"is above champion's {champion_error_rate:.2%}",
            )
        return Decision(PROMOTE, f"{compared}: challenger is better")
    if gain < -margin:
        return Decision(RETIRE, f"{compared}: challenger is worse")
    return Decision(WAIT, f"{compared}: within the margin")


def _f1(actual: list[Any], predicted: list[Any]) -> float:
    """Binary F1 of class 1 for 0/1 labels, else macro F1 over the true classes."""
    classes = set(actual) | set(predicted)
    positives = [1] if classes <= {0, 1} else sorted(set(actual), key=str)
    scores = []
    for positive in positives:
        tp = sum(a == positive and p == positive for a, p in zip(actual, predicted, strict=True))
        fp = sum(a != positive and p == positive for a, p in zip(actual, predicted, strict=True))
        fn = sum(a == positive and p != positive for a, p in zip(actual, predicted, strict=True))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))
