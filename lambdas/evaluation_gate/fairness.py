"""The fairness part of the gate: limits on the figures the evaluation computed per group.

A candidate is rejected when a figure breaks its limit, or worsens against the champion's
figure on the same holdout by more than ``max_gap_widening``. A first model (no champion) is
judged against the limits alone. Groups with too few holdout rows are insufficient evidence:
they are named in the answer and never pass; when fewer than two groups are left to compare,
fairness cannot be judged and the candidate is rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lambdas.shared.settings import Fairness

PASS = "pass"
REJECT = "reject"


@dataclass(frozen=True)
class Check:
    """One across-group figure: its name in evaluation.json, its words, its limit."""

    figure: str
    words: str
    limit_field: str
    lower_is_worse: bool = False


CLASSIFICATION_CHECKS = (
    Check("disparate_impact", "disparate impact", "min_disparate_impact", lower_is_worse=True),
    Check("tpr_gap", "true-positive-rate gap", "max_tpr_gap"),
    Check("metric_gap", "metric gap", "max_metric_gap"),
)
REGRESSION_CHECKS = (Check("error_ratio", "error ratio", "max_error_ratio"),)


@dataclass(frozen=True)
class Verdict:
    decision: str
    group: str
    problems: list[str] = field(default_factory=list)
    figures: dict[str, float | None] = field(default_factory=dict)
    insufficient_evidence: list[str] = field(default_factory=list)
    bias_report_uri: str | None = None

    def summary(self) -> str:
        """The pass reason's fairness clause."""
        shown = ", ".join(f"{name.replace('_', ' ')} {_fmt(v)}" for name, v in self.figures.items())
        text = f"fairness for {self.group} holds ({shown})"
        if self.insufficient_evidence:
            text += f"; not judged, too few rows: {', '.join(self.insufficient_evidence)}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "group": self.group,
            "problems": self.problems,
            "figures": self.figures,
            "insufficient_evidence": self.insufficient_evidence,
            "bias_report_uri": self.bias_report_uri,
        }


def judge(block: Any, limits: Fairness, task: str, evaluation_uri: str) -> Verdict:
    """Judge the evaluation's ``shadowloop.fairness`` block against the spec's limits."""
    group = limits.group
    if not isinstance(block, dict) or not isinstance(block.get("candidate"), dict):
        return Verdict(REJECT, group, [f"fairness: {group} was not evaluated"])
    candidate, champion = block["candidate"], block.get("champion")
    sizes = candidate.get("groups") or {}
    insufficient = [
        f"{group}={k} ({(sizes.get(k) or {}).get('size')} rows)"
        for k in candidate.get("insufficient_evidence") or []
    ]
    report_file = block.get("report_file")
    report_uri = f"{evaluation_uri.rsplit('/', 1)[0]}/{report_file}" if report_file else None
    if len(candidate.get("judged") or []) < 2:
        problem = (
            f"fairness: cannot be judged for {group}: fewer than two groups have "
            f"{limits.min_group_size} holdout rows (insufficient evidence: "
            f"{', '.join(insufficient) or 'none'})"
        )
        return Verdict(REJECT, group, [problem], {}, insufficient, report_uri)
    checks = CLASSIFICATION_CHECKS if task == "classification" else REGRESSION_CHECKS
    problems: list[str] = []
    figures: dict[str, float | None] = {}
    for check in checks:
        mine = _figure(candidate, check.figure)
        figures[check.figure] = None if mine is None else mine[0]
        problems += _problems(check, mine, _figure(champion, check.figure), limits)
    decision = REJECT if problems else PASS
    return Verdict(decision, group, problems, figures, insufficient, report_uri)


def _problems(
    check: Check,
    mine: tuple[float, str] | None,
    theirs: tuple[float, str] | None,
    limits: Fairness,
) -> list[str]:
    group = limits.group
    if mine is None:
        return [f"fairness: {check.words} cannot be judged for {group}"]
    value, worst = mine
    limit = getattr(limits, check.limit_field)
    out = []
    broken = value < limit if check.lower_is_worse else value > limit
    if broken:
        side = "below" if check.lower_is_worse else "above"
        out.append(
            f"fairness: {check.words} {_fmt(value)} for {group}={worst} {side} {_fmt(limit)}"
        )
    if theirs is not None:
        widening = theirs[0] - value if check.lower_is_worse else value - theirs[0]
        if widening > limits.max_gap_widening + 1e-12:
            out.append(
                f"fairness: {check.words} {_fmt(value)} for {group}={worst} is "
                f"{_fmt(widening)} worse than the champion's {_fmt(theirs[0])} "
                f"(allowed {_fmt(limits.max_gap_widening)})"
            )
    return out


def _figure(assessment: Any, name: str) -> tuple[float, str] | None:
    """A figure's value and the group that fares worst, or None when it is not there."""
    if not isinstance(assessment, dict):
        return None
    figure = (assessment.get("figures") or {}).get(name)
    value = figure.get("value") if isinstance(figure, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value), str(figure.get("group"))


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3g}"
