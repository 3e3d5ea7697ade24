"""The live quality verdict of one look: degraded, ok, or not enough labels to say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdas.shared.quality.bounds import look_alpha, lower_bound, upper_bound
from lambdas.shared.quality.losses import metric_from_loss, reference_loss
from lambdas.shared.quality.stats import LossStats

DEGRADED = "degraded"
OK = "ok"
INSUFFICIENT_EVIDENCE = "insufficient_evidence"


@dataclass(frozen=True)
class Rule:
    """Alarm when the live loss's lower bound exceeds the reference's by ``tolerance``."""

    metric: str
    alpha: float
    tolerance: float
    min_labels: int


def judge(stats: LossStats, *, rule: Rule, reference: float, look: int) -> dict[str, Any]:
    """The verdict, the live metric and its interval in the metric's own units."""
    alpha = look_alpha(rule.alpha, look)
    limit = reference_loss(rule.metric, reference, rule.tolerance)
    result: dict[str, Any] = {
        "labels": stats.n,
        "reference": reference,
        "threshold": metric_from_loss(rule.metric, limit),
        "look": look,
        "alpha": alpha,
        "loss": stats.to_dict(),
    }
    if stats.n < rule.min_labels:
        return result | {"status": INSUFFICIENT_EVIDENCE, "estimate": None, "interval": None}
    low, high = lower_bound(stats, alpha), upper_bound(stats, alpha)
    # For accuracy a larger loss is a smaller metric, so the interval's ends swap.
    ends = sorted((metric_from_loss(rule.metric, low), metric_from_loss(rule.metric, high)))
    return result | {
        "status": DEGRADED if low > limit else OK,
        "estimate": metric_from_loss(rule.metric, stats.mean),
        "interval": ends,
    }
