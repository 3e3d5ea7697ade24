"""Live model quality statistics on numpy and the standard library only (Lambda-safe).

Per-record losses (:mod:`losses`) are summed into :class:`LossStats` (n, sum, sum of
squares: enough to merge windows later); :mod:`bounds` turns them into one-sided bounds
with the error rate spent across repeated looks, and :mod:`verdict` decides.
"""

from lambdas.shared.quality.bounds import look_alpha, lower_bound, upper_bound
from lambdas.shared.quality.losses import (
    SUPPORTED_METRICS,
    UnsupportedMetric,
    losses,
    metric_from_loss,
    reference_loss,
    usable,
)
from lambdas.shared.quality.stats import LossStats
from lambdas.shared.quality.verdict import (
    DEGRADED,
    INSUFFICIENT_EVIDENCE,
    OK,
    Rule,
    judge,
)

__all__ = [
    "DEGRADED",
    "INSUFFICIENT_EVIDENCE",
    "OK",
    "SUPPORTED_METRICS",
    "LossStats",
    "Rule",
    "UnsupportedMetric",
    "judge",
    "look_alpha",
    "losses",
    "lower_bound",
    "metric_from_loss",
    "reference_loss",
    "upper_bound",
    "usable",
]
