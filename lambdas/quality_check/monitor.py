"""One scheduled quality check: the champion's live error against its holdout metric.

A look judges the champion's predictions in (judged_until, window_end - label delay],
so feedback has had time to arrive, and at most ``max_window`` of them: after a gap the
next looks catch up one bounded window each. Below ``min_labels`` the look is
``insufficient_evidence`` and the window does not advance (the next look sees more),
until it is ``max_window`` long: then it advances without counting as a look.
A decided look advances it, so looks never share data, and counts towards the
alpha spending of :mod:`lambdas.shared.quality.bounds`. A new champion starts afresh:
its first look counts as 1 and only predictions after it was first seen are judged.

A degraded look starts no run while a challenger is in shadow: a retrained model is
already on its way, and the promotion check decides on it.

A classifier's report also carries the label-free estimate of every prediction since the
last check and, on a decided look, that estimate beside the realized accuracy
(:mod:`lambdas.quality_check.label_free`); a lasting gap is alerted, but starts no run.

The check's clock is ``window_end`` (the schedule's event time), which makes the
cooldown reproducible and the execution name deterministic per event. The state is
written on the ETag it was read with and merged on a lost race
(:mod:`lambdas.shared.conditional`); an event's report is written once, and its alerts
are published only by the run that stored it. A repeated event returns the stored
report as a duplicate.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any

from lambdas.quality_check import label_free, live_fairness
from lambdas.quality_check import state as st
from lambdas.quality_check.evidence import (
    EvidenceStats,
    Labelled,
    captured_predictions,
    labelled_predictions,
)
from lambdas.quality_check.outbox import Outbox
from lambdas.quality_check.settings import QualityCheckSettings
from lambdas.shared import conditional, endpoint_state, registry, retraining
from lambdas.shared.quality import (
    DEGRADED,
    INSUFFICIENT_EVIDENCE,
    LossStats,
    Rule,
    UnsupportedMetric,
    judge,
    losses,
)

TRIGGER = "quality"
DUPLICATE = "duplicate"
NO_REFERENCE = "no_reference"


def run_quality_check(
    *,
    s3: Any,
    dynamodb: Any,
    sagemaker: Any,
    stepfunctions: Any,
    sns: Any,
    settings: QualityCheckSettings,
    window_end: datetime,
) -> dict[str, Any] | None:
    """Judge a window, maybe alert and retrain, store the report; None without an endpoint.

    A report already stored for this event comes back with ``outcome: duplicate``; nothing
    is judged, started, sent or written again.
    """
    endpoint = endpoint_state.describe(sagemaker, settings.endpoint_name)
    if endpoint is None:
        return None
    bucket, key = settings.artifact_bucket, st.report_key(window_end)
    earlier = conditional.read_json(s3, bucket, key).body
    if earlier is not None:
        return earlier | {"outcome": DUPLICATE}
    champion = endpoint.champion.model_package_arn
    read = conditional.read_json(s3, bucket, st.STATE_KEY)
    stored = _for_champion(st.parse_state(read.body), champion, window_end, settings.max_window)
    cutoff = window_end - timedelta(minutes=settings.label_delay_minutes)
    start = stored.judged_until
    end = min(start + settings.max_window, cutoff)
    stats = EvidenceStats()
    rows = _labelled(s3, dynamodb, settings, start, end, stats)
    reference = _reference(sagemaker, champion, settings.spec.metric)
    report = _judge(settings, rows, reference, look=stored.looks + 1)
    decided = report["status"] not in (INSUFFICIENT_EVIDENCE, NO_REFERENCE)
    report["fairness"] = live_fairness.judge(
        settings.spec, rows, streak=stored.fairness_breach_streak, decided=decided
    )
    started = (
        retraining.Started(skipped_reason="challenger_in_shadow")
        if report["status"] == DEGRADED and endpoint.challenger is not None
        else _retrain(stepfunctions, settings, report, stored, window_end)
    )
    report |= {
        "window": {"start": st.iso(start), "end": st.iso(end), "checked_at": st.iso(window_end)},
        "champion_model_package_arn": champion,
        "evidence": asdict(stats),
        "retrain_started": started.execution_arn is not None,
        "retrain_execution_arn": started.execution_arn,
        "skipped_reason": started.skipped_reason,
    }
    if settings.spec.task == "classification":
        report["label_free"] = _label_free(
            s3, sagemaker, settings, stored, rows, decided, window_end
        )
    outbox = Outbox()
    _alerts(outbox, settings, report, stored)
    full = end - start >= settings.max_window
    mine = _after(stored, report, end if decided or full else None, decided, window_end)
    conditional.update_json(
        s3,
        bucket,
        st.STATE_KEY,
        lambda raw: st.state_body(st.merge(st.parse_state(raw), mine)),
        read=read,
    )
    if not conditional.write_once(s3, bucket, key, report):
        return (conditional.read_json(s3, bucket, key).body or report) | {"outcome": DUPLICATE}
    outbox.send(sns)
    return report | {"outcome": "checked"}


def _alerts(
    sns: Any, settings: QualityCheckSettings, report: dict[str, Any], stored: st.QualityState
) -> None:
    """Each alert this look raises, onto ``sns``; the report records which were raised."""
    report["alert_sent"] = _alert(sns, settings, report, stored)
    if report["fairness"] is not None:
        report["fairness"]["alert_sent"] = live_fairness.alert(
            sns,
            topic_arn=settings.topic_arn,
            dataset=settings.spec.dataset,
            report=report,
            previous=stored.fairness_breach_streak,
        )
    report["relationship_alert_sent"] = _relationship_alert(sns, settings, report)


def _label_free(
    s3: Any,
    sagemaker: Any,
    settings: QualityCheckSettings,
    stored: st.QualityState,
    rows: list[Labelled],
    decided: bool,
    window_end: datetime,
) -> dict[str, Any]:
    """The window's estimate from all its predictions; beside the realized metric once decided."""
    calibration, source = label_free.load_calibration(
        s3, sagemaker, stored.champion_model_package_arn
    )
    start = stored.estimated_until or stored.champion_since or window_end
    end = min(start + settings.max_window, window_end)
    stats = EvidenceStats()
    records = (
        captured_predictions(
            s3,
            bucket=settings.capture_bucket,
            endpoint_name=settings.endpoint_name,
            start=start,
            end=end,
            stats=stats,
        )
        if end > start
        else []
    )
    comparison = (
        label_free.window_comparison(rows, calibration, flagged_streak=stored.flagged_streak)
        if decided
        else None
    )
    return {
        "window": {"start": st.iso(start), "end": st.iso(end)},
        "calibration_uri": source if calibration is not None else None,
        "calibration_missing": None if calibration is not None else source,
        "estimate": label_free.window_estimate(records, calibration),
        "comparison": comparison,
        "relationship_changed": bool(comparison and comparison["relationship_changed"]),
        "records_skipped": stats.records_skipped,
    }


def _labelled(
    s3: Any,
    dynamodb: Any,
    settings: QualityCheckSettings,
    start: datetime,
    end: datetime,
    stats: EvidenceStats,
) -> list[Labelled]:
    if end <= start:
        return []
    return labelled_predictions(
        s3,
        dynamodb,
        bucket=settings.capture_bucket,
        table=settings.inference_table,
        endpoint_name=settings.endpoint_name,
        task=settings.spec.task,
        start=start,
        end=end,
        stats=stats,
    )


def _after(
    stored: st.QualityState,
    report: dict[str, Any],
    judged_until: datetime | None,
    decided: bool,
    now: datetime,
) -> st.QualityState:
    """A decided look moves the window (to ``judged_until``) and counts; a full one only moves."""
    started = report["retrain_execution_arn"] is not None
    fairness = report["fairness"]
    free = report.get("label_free")
    comparison = free["comparison"] if free else None
    streak = stored.flagged_streak
    if decided:
        streak = comparison["flagged_streak"] if comparison else 0
    return replace(
        stored,
        estimated_until=datetime.fromisoformat(free["window"]["end"])
        if free
        else stored.estimated_until,
        flagged_streak=streak,
        judged_until=judged_until or stored.judged_until,
        looks=stored.looks + int(decided),
        last_status=report["status"] if decided else stored.last_status,
        last_retrain_started_at=now if started else stored.last_retrain_started_at,
        fairness_breach_streak=fairness["breach_streak"] if fairness else 0,
    )


def _for_champion(
    stored: st.QualityState, champion: str | None, now: datetime, first: timedelta
) -> st.QualityState:
    """The state of this champion; a new one is watched from now (the first: ``first`` back)."""
    if stored.champion_model_package_arn == champion and stored.judged_until is not None:
        return stored
    since = now if stored.champion_model_package_arn else now - first
    return st.QualityState(
        champion_model_package_arn=champion,
        champion_since=since,
        judged_until=since,
        last_retrain_started_at=stored.last_retrain_started_at,
    )


def _reference(sagemaker: Any, champion: str | None, metric: str) -> float | None:
    """The champion's registered holdout value of the primary metric, if it has one."""
    if not champion:
        return None
    lineage = registry.describe_lineage(sagemaker, champion)
    if lineage.get("metric") not in (None, metric):
        return None
    return lineage.get("metric_value")


def _judge(
    settings: QualityCheckSettings, rows: list[Labelled], reference: float | None, *, look: int
) -> dict[str, Any]:
    spec = settings.spec
    base = {"metric": spec.metric, "labels": len(rows)}
    if reference is None:
        return base | {"status": NO_REFERENCE, "reason": "the champion has no holdout metric"}
    rule = Rule(spec.metric, settings.alpha, settings.tolerance, settings.min_labels)
    try:
        loss = losses(spec.metric, [r.actual for r in rows], [r.prediction for r in rows])
    except UnsupportedMetric as exc:
        return base | {"status": NO_REFERENCE, "reason": str(exc)}
    overall = judge(LossStats.of(loss), rule=rule, reference=reference, look=look)
    groups = {
        column: _by_value(rows, loss, column, rule, reference, look)
        for column in dict.fromkeys(c for c in (spec.segment, spec.fairness_group) if c)
    }
    return base | overall | {"tolerance": settings.tolerance, "groups": groups}


def _by_value(
    rows: list[Labelled], loss: Any, column: str, rule: Rule, reference: float, look: int
) -> dict[str, Any]:
    """The same verdict per captured value of ``column`` (reported; only the whole alarms)."""
    values: dict[str, list[float]] = {}
    for row, value in zip(rows, loss, strict=True):
        values.setdefault(str(row.features.get(column)), []).append(float(value))
    return {
        key: judge(LossStats.of(group), rule=rule, reference=reference, look=look)
        for key, group in sorted(values.items())
    }


def _retrain(
    stepfunctions: Any,
    settings: QualityCheckSettings,
    report: dict[str, Any],
    stored: st.QualityState,
    window_end: datetime,
) -> retraining.Started:
    if report["status"] != DEGRADED:
        return retraining.Started(skipped_reason=report["status"])
    return retraining.start_guarded(
        stepfunctions,
        state_machine_arn=settings.state_machine_arn,
        dataset=settings.spec.dataset,
        trigger=TRIGGER,
        window_end=window_end,
        last_started_at=stored.last_retrain_started_at,
        cooldown_minutes=settings.cooldown_minutes,
    )


def _alert(
    sns: Any, settings: QualityCheckSettings, report: dict[str, Any], stored: st.QualityState
) -> bool:
    """Publish once when the champion turns degraded; a lasting degradation is not repeated."""
    if report["status"] != DEGRADED or stored.last_status == DEGRADED:
        return False
    low, high = report["interval"]
    message = {
        "alert": "model_quality_degraded",
        "champion_model_package_arn": report["champion_model_package_arn"],
        "metric": report["metric"],
        "live": report["estimate"],
        "interval": [low, high],
        "reference": report["reference"],
        "threshold": report["threshold"],
        "labels": report["labels"],
        "window": report["window"],
        "retrain_execution_arn": report["retrain_execution_arn"],
        "skipped_reason": report["skipped_reason"],
    }
    sns.publish(
        TopicArn=settings.topic_arn,
        Subject=f"{settings.spec.dataset}: live {report['metric']} degraded",
        Message=json.dumps(message),
    )
    return True


def _relationship_alert(sns: Any, settings: QualityCheckSettings, report: dict[str, Any]) -> bool:
    """Publish once when the estimate and the realized metric first stay apart.

    It starts no run: the realized-metric rule already retrains when the labels show a loss,
    and a lasting gap with no loss (the model does better than it expects) needs none.
    """
    free = report.get("label_free")
    comparison = free["comparison"] if free else None
    if not label_free.newly_changed(comparison):
        return False
    assert comparison is not None
    message = {
        "alert": label_free.RELATIONSHIP_CHANGED,
        "champion_model_package_arn": report["champion_model_package_arn"],
        "metric": comparison["metric"],
        "estimated": comparison["estimated"],
        "realized": comparison["realized"],
        "gap": comparison["gap"],
        "threshold": comparison["threshold"],
        "labels": comparison["labels"],
        "flagged_streak": comparison["flagged_streak"],
        "window": report["window"],
        "quality_status": report["status"],
    }
    sns.publish(
        TopicArn=settings.topic_arn,
        Subject=f"{settings.spec.dataset}: estimated and realized {comparison['metric']} diverge",
        Message=json.dumps(message),
    )
    return True
