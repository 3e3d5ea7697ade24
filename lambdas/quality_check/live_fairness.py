"""The live fairness part of a quality look, and its alarm rule.

Rule: a look *breaches* when, with at least two groups of ``min_group_size`` labelled
rows, a figure is past its limit (disparate impact below ``min_disparate_impact``, TPR
or metric gap above its maximum, error ratio above ``max_error_ratio``). One window can
breach by chance on small groups, so the alarm needs **two consecutive decided looks**
that breach: only decided looks count, since an undecided one is read again next time
and would otherwise count the same predictions twice. A decided look with enough
evidence and no breach clears the streak; one without enough evidence leaves it as it
is. The alert is published once, when the streak reaches two; a lasting breach is not
repeated, and a new champion starts at zero.
"""

from __future__ import annotations

import json
from typing import Any

from lambdas.quality_check.evidence import Labelled
from lambdas.shared.quality import fairness as live
from lambdas.shared.settings import ModelSpec

ALARM_STREAK = 2


def judge(spec: ModelSpec, rows: list[Labelled], *, streak: int, decided: bool) -> dict | None:
    """The report's ``fairness`` section; None when the spec has no fairness section."""
    fairness = spec.fairness
    if fairness is None:
        return None
    assessed = live.assess(
        fairness,
        task=spec.task,
        metric=spec.metric,
        direction=spec.direction,
        groups=[live.group_key(r.features.get(fairness.group)) for r in rows],
        actual=[r.actual for r in rows],
        predicted=[r.prediction for r in rows],
    )
    enough = len(assessed["judged"]) >= 2
    problems = live.breaches(fairness, assessed, column=fairness.group) if enough else []
    status = (live.BREACH if problems else live.OK) if enough else live.INSUFFICIENT
    if decided and enough:
        streak = streak + 1 if problems else 0
    return {
        "group": fairness.group,
        "favourable_label": fairness.favourable_label,
        "min_group_size": fairness.min_group_size,
        "status": status,
        "problems": problems,
        "counted": decided and enough,
        "breach_streak": streak,
        "alarm": streak >= ALARM_STREAK,
        **assessed,
    }


def alert(sns: Any, *, topic_arn: str, dataset: str, report: dict[str, Any], previous: int) -> bool:
    """Publish when this look makes the streak reach the alarm; never again while it lasts."""
    section = report.get("fairness")
    if not section or section["breach_streak"] < ALARM_STREAK or previous >= ALARM_STREAK:
        return False
    message = {
        "alert": "fairness_breached",
        "champion_model_package_arn": report["champion_model_package_arn"],
        "group": section["group"],
        "problems": section["problems"],
        "figures": section["figures"],
        "sizes": {k: v["size"] for k, v in section["groups"].items()},
        "breach_streak": section["breach_streak"],
        "window": report["window"],
    }
    sns.publish(
        TopicArn=topic_arn,
        Subject=f"{dataset}: live fairness breached for {section['group']}",
        Message=json.dumps(message),
    )
    return True
