"""The quality gate: does the candidate meet the threshold and hold up against the champion?"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from lambdas.evaluation_gate import fairness
from lambdas.shared import s3uri
from lambdas.shared.contracts import run_input, steps
from lambdas.shared.settings import Fairness

PASS = "pass"
REJECT = "reject"


class EvaluationUnavailable(Exception):
    """evaluation.json is missing, unreadable or lacks the metric the gate needs."""


@dataclass(frozen=True)
class GateResult:
    decision: str
    reason: str
    metric: str
    candidate: float
    champion: float | None
    fairness: fairness.Verdict | None = None
    champion_holdout: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return self.decision == PASS


def decide(
    evaluation: dict[str, Any],
    metric: str,
    direction: str,
    threshold: float,
    max_regression: float,
    *,
    fairness_limits: Fairness | None = None,
    task: str = "regression",
    evaluation_uri: str = "",
    trigger: str | None = None,
) -> GateResult:
    """Reject a candidate that misses the threshold, regresses beyond ``max_regression``
    or, when the spec has a fairness section, breaks a fairness limit.

    The threshold is a ceiling when the metric is minimized and a floor when it is
    maximized. The regression is relative to the champion's score on the same holdout,
    and again on the champion's own holdout (the rows of its training snapshot it never
    trained on), so a candidate cannot pass on a holdout cut from its own bad data. That
    second comparison vetoes only while the champion still fits the run's data (the
    candidate does not beat it there beyond ``max_regression``) and no monitor started the
    run (``trigger`` drift or quality): otherwise the data has moved on from the
    champion's world, and its holdout is reported.
    """
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"direction {direction!r} is not minimize or maximize")
    candidate, champion = scores(evaluation, metric)
    problems = []
    if not _meets(candidate, threshold, direction):
        side = "above the ceiling" if direction == "minimize" else "below the floor"
        problems.append(f"{metric} {_fmt(candidate)} is {side} {_fmt(threshold)}")
    if champion is not None and _regressed(candidate, champion, direction, max_regression):
        problems.append(_regression_reason(metric, candidate, champion, direction, max_regression))
    holdout = champion_holdout(evaluation, metric)
    if holdout is not None and holdout["compared"]:
        # A champion clearly beaten on this run's data no longer fits it: the world its
        # holdout describes has changed (a monsoon, a new road), so that holdout cannot veto.
        # A drift or quality run exists because a monitor measured that change.
        holdout["decisive"] = trigger not in run_input.RETRAINING_TRIGGERS and (
            champion is None or not _regressed(champion, candidate, direction, max_regression)
        )
        h_candidate, h_champion = holdout["candidate"], holdout["champion"]
        if holdout["decisive"] and _regressed(h_candidate, h_champion, direction, max_regression):
            problems.append(
                f"on {_holdout_name(holdout)}: "
                + _regression_reason(metric, h_candidate, h_champion, direction, max_regression)
            )
    verdict = None
    if fairness_limits is not None:
        block = evaluation["shadowloop"].get("fairness")
        verdict = fairness.judge(block, fairness_limits, task, evaluation_uri)
        problems += verdict.problems
    if problems:
        reason = "; ".join(problems)
        return GateResult(REJECT, reason, metric, candidate, champion, verdict, holdout)
    reason = _pass_reason(metric, candidate, champion, direction, threshold, max_regression)
    if holdout is not None:
        reason = f"{reason}; {_holdout_summary(holdout, metric)}"
    if verdict is not None:
        reason = f"{reason}; {verdict.summary()}"
    return GateResult(PASS, reason, metric, candidate, champion, verdict, holdout)


def champion_holdout(evaluation: dict[str, Any], metric: str) -> dict[str, Any] | None:
    """Both models' ``metric`` on the champion's own holdout; None without a champion.

    ``compared`` is false (with the ``error``) when the evaluation could not score them
    there, e.g. a champion whose package names no snapshot: the gate then judges on the
    run's holdout alone and says so. ``decisive`` is whether it can reject (see ``decide``).
    """
    block = evaluation["shadowloop"].get("champion_holdout")
    if not isinstance(block, dict):
        return None
    answer = {
        "version_id": block.get("version_id"),
        "snapshot_uri": block.get("snapshot_uri"),
        "rows": block.get("rows"),
        "candidate": None,
        "champion": None,
        "compared": False,
        "decisive": False,
        "error": block.get("error"),
    }
    if answer["error"] is not None:
        return answer
    try:
        answer["candidate"] = _metric_value(block.get("candidate"), metric, "candidate")
        answer["champion"] = _metric_value(block.get("champion"), metric, "champion")
    except EvaluationUnavailable as exc:
        return {**answer, "candidate": None, "champion": None, "error": str(exc)}
    return {**answer, "compared": True}


def _holdout_name(holdout: dict[str, Any]) -> str:
    return f"the champion's holdout ({holdout['rows']} rows of version {holdout['version_id']})"


def _holdout_summary(holdout: dict[str, Any], metric: str) -> str:
    if not holdout["compared"]:
        return f"the champion's holdout was not compared: {holdout['error']}"
    summary = (
        f"on {_holdout_name(holdout)} {metric} {_fmt(holdout['candidate'])} vs the "
        f"champion's {_fmt(holdout['champion'])}"
    )
    if holdout["decisive"]:
        return summary
    return f"{summary}, not decisive: the data has moved on from the champion's"


def scores(evaluation: Any, metric: str) -> tuple[float, float | None]:
    """The candidate's and the champion's (or None) value of ``metric``."""
    block = evaluation.get("shadowloop") if isinstance(evaluation, dict) else None
    if not isinstance(block, dict):
        raise EvaluationUnavailable("evaluation has no 'shadowloop' section")
    candidate = _metric_value(block.get("candidate"), metric, "candidate")
    if block.get("champion") is None:
        return candidate, None
    return candidate, _metric_value(block["champion"], metric, "champion")


def read_evaluation(s3: Any, evaluation_uri: Any) -> dict[str, Any]:
    """Load evaluation.json; every way it can be unusable is an EvaluationUnavailable."""
    try:
        bucket, key = s3uri.parse(evaluation_uri)
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        evaluation = json.loads(body)
    except ValueError as exc:  # a bad URI or bad JSON (JSONDecodeError is a ValueError)
        raise EvaluationUnavailable(f"evaluation {evaluation_uri} is unusable: {exc}") from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise EvaluationUnavailable(
            f"evaluation {evaluation_uri} cannot be read ({code})"
        ) from None
    if not isinstance(evaluation, dict):
        raise EvaluationUnavailable(f"evaluation {evaluation_uri} is not a JSON object")
    return evaluation


def apply_gate(
    s3: Any,
    *,
    evaluation_uri: str,
    metric: str,
    direction: str,
    threshold: float,
    max_regression: float,
    fairness_limits: Fairness | None = None,
    task: str = "regression",
    trigger: str | None = None,
) -> dict[str, Any]:
    """Read the run's evaluation and decide; the answer is the state machine's ``$.gate``."""
    evaluation = read_evaluation(s3, evaluation_uri)
    try:
        result = decide(
            evaluation,
            metric,
            direction,
            threshold,
            max_regression,
            fairness_limits=fairness_limits,
            task=task,
            evaluation_uri=evaluation_uri,
            trigger=trigger,
        )
    except EvaluationUnavailable as exc:
        raise EvaluationUnavailable(f"evaluation {evaluation_uri}: {exc}") from None
    return steps.GATE.answer(
        decision=result.decision,
        reason=result.reason,
        metric=result.metric,
        candidate=result.candidate,
        champion=result.champion,
        champion_holdout=result.champion_holdout,
        fairness=None if result.fairness is None else result.fairness.as_dict(),
    )


def _metric_value(block: Any, metric: str, role: str) -> float:
    value = block.get(metric) if isinstance(block, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EvaluationUnavailable(f"the {role} has no finite {metric!r} value (got {value!r})")
    return float(value)


def _meets(candidate: float, threshold: float, direction: str) -> bool:
    return candidate <= threshold if direction == "minimize" else candidate >= threshold


def _regressed(candidate: float, champion: float, direction: str, max_regression: float) -> bool:
    # abs() keeps the margin pointing the right way for metrics that can be negative (r2).
    margin = abs(champion) * max_regression
    if direction == "minimize":
        return candidate > champion + margin
    return candidate < champion - margin


def _worsening(candidate: float, champion: float, direction: str) -> float | None:
    """How much worse the candidate is, relative to the champion (negative = better)."""
    if champion == 0:
        return None
    delta = candidate - champion if direction == "minimize" else champion - candidate
    return delta / abs(champion)


def _regression_reason(
    metric: str, candidate: float, champion: float, direction: str, max_regression: float
) -> str:
    worse = _worsening(candidate, champion, direction)
    by = f" by {_pct(worse)}" if worse is not None else ""
    return (
        f"{metric} {_fmt(candidate)} is worse than the champion's {_fmt(champion)}{by} "
        f"(allowed {_pct(max_regression)})"
    )


def _pass_reason(
    metric: str,
    candidate: float,
    champion: float | None,
    direction: str,
    threshold: float,
    max_regression: float,
) -> str:
    side = "ceiling" if direction == "minimize" else "floor"
    head = f"{metric} {_fmt(candidate)} meets the {side} {_fmt(threshold)}"
    if champion is None:
        return f"{head}; no champion to compare with"
    worse = _worsening(candidate, champion, direction)
    if worse is None or worse <= 0:
        return f"{head} and is no worse than the champion's {_fmt(champion)}"
    return (
        f"{head} and is {_pct(worse)} worse than the champion's {_fmt(champion)} "
        f"(allowed {_pct(max_regression)})"
    )


def _fmt(value: float) -> str:
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.1f} %"
