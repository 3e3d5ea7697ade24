"""The hospital story: a readmission model whose outcomes arrive late, and change.

A classifier predicts 30-day readmissions. Each outcome is sent back after the quality
config's label delay, so every hourly check has a label-free estimate of the hour just
served and judges, on labels, an hour that is older. Then an orthopedic implant fails in
older patients: the patients look the same (the drift check would see nothing), so the
estimate stays put while realized accuracy falls. The quality check alarms, the gap
between estimate and realized accuracy is flagged, a ``quality`` run retrains on recent
labelled traffic, the new model wins in shadow and is promoted, and its own live accuracy
is back near its holdout.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from infra.config import Config
from shadowloop.demo import hospital, story, traffic, use_cases
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.ops import datasets, localserver, pipeline
from shadowloop.ops.api import ApiClient

Step = story.Step
# The drift check is left out: on a few hundred rows it can flag a feature by chance, and its
# run would hold the quality run back. The change here is one the inputs cannot show.
HOURLY_CHECKS = ("quality-check", "promotion-check")
REQUESTS_PER_HOUR = 200
TRAINING_ROWS = 1500
# An orthopedic hospital (wards in hospital.WARDS order): the failing implant reaches a
# third of its patients, a change an hour of traffic shows beyond doubt.
WARD_SHARES = (0.2, 0.15, 0.1, 0.45, 0.1)
# A model right less than 7 times in 10 is not worth serving; a quality run learns from a
# day that is partly before the change, so its holdout is a mix of both worlds.
GATE_THRESHOLD = 0.7
QUALITY_REPORTS = "monitoring/quality/reports/"
PROMOTION_REPORTS = "monitoring/promotion/"
# Hours of changed traffic before the story gives up on each stage; it ends and reports.
MAX_ALARM_HOURS, MAX_SHADOW_HOURS = 3, 4


@dataclass
class HospitalStory:
    """What happened, read back from the cloud (hospital_report.py turns it into files)."""

    use_case: str
    label_delay_minutes: int
    predictions_served: int = 0
    feedback_sent: int = 0
    change_at: str | None = None
    """The first hour of concept-drift traffic (ISO, UTC)."""
    hours: list[dict[str, Any]] = field(default_factory=list)
    """Per hour: when, which scenario was served, how many outcomes were sent back."""
    quality_checks: list[dict[str, Any]] = field(default_factory=list)
    promotions: list[dict[str, Any]] = field(default_factory=list)
    pipeline_runs: list[dict[str, Any]] = field(default_factory=list)
    alarm: dict[str, Any] | None = None
    quality_run: dict[str, Any] | None = None
    recovered: dict[str, Any] | None = None
    served_by: dict[str, Any] | None = None
    ending: str = ""


def use_case(config: Config) -> story.UseCase:
    """The readmission use case with the story's data sizes."""
    base = use_cases.hospital_readmission(config)
    gate = dataclasses.replace(base.config.gate, threshold=GATE_THRESHOLD)
    return dataclasses.replace(
        base,
        config=dataclasses.replace(base.config, gate=gate),
        training=hospital.generate("baseline", rows=TRAINING_ROWS, seed=0, ward_shares=WARD_SHARES),
        change="an implant that fails in older orthopedic patients (inputs unchanged)",
    )


def run(config: Config, *, workdir: Path, step: Step) -> HospitalStory:
    """Run the hospital story on a fresh local cloud and return what happened."""
    case = use_case(config)
    delay = case.config.quality.label_delay_minutes
    result = HospitalStory(use_case=case.name, label_delay_minutes=delay)
    step("starting the local cloud (synthesized stacks on moto)")
    with LocalCloud(workdir=workdir, config=case.config) as cloud:
        server, api_url = localserver.serve_api(cloud, port=0)
        try:
            _tell(
                cloud,
                localserver.target_for(cloud, api_url=api_url),
                ApiClient(api_url),
                case,
                result,
                step,
            )
            _gather(cloud, ApiClient(api_url), result)
        finally:
            server.shutdown()
    return result


def _tell(
    cloud: LocalCloud,
    target: Any,
    api: ApiClient,
    case: story.UseCase,
    result: HospitalStory,
    step: Step,
) -> None:
    spec = case.config.model
    step(f"1. pushing {len(case.training)} discharges; the pipeline trains v1 for production")
    datasets.push_bytes(
        target,
        case.training.to_csv(index=False).encode(),
        spec.dataset,
        name="training",
        source="demo",
    )
    first = pipeline.follow(target, pipeline.start(target, spec.dataset))
    if first.result != "registered":
        raise RuntimeError(f"the first run did not register a model: {first.reason}")
    clock = _Clock(cloud, api, spec.feature_names, spec.target, result, step)
    step(
        f"2. an hour of ordinary discharges; each outcome is sent back "
        f"{result.label_delay_minutes} minutes later"
    )
    clock.hour("baseline")
    step(f"3. the world changes: {case.change}")
    for _ in range(MAX_ALARM_HOURS):
        check = clock.hour("concept_drift")
        if check.get("status") == "degraded":
            break
    alarm = next((c for c in result.quality_checks if c["status"] == "degraded"), None)
    if alarm is None or not alarm["retrain_execution_arn"]:
        result.ending = "no quality alarm"
        step("   the quality check raised no alarm; the story ends")
        return
    result.alarm = alarm
    step(f"4. quality alarm: live accuracy {alarm['live']:.3f} below {alarm['threshold']:.3f}")
    run = cloud.wait(alarm["retrain_execution_arn"])
    step(f"   quality run {run.name}: {run.status.lower()}")
    if run.status != "SUCCEEDED" or not (run.output or {}).get("model_package"):
        result.ending = "the quality run registered no model"
        return
    candidate = run.output["model_package"]["arn"]
    clock.align()
    step("5. the retrained model answers in shadow; the promotion check compares the two")
    for hour in range(MAX_SHADOW_HOURS):
        # Served in one hour, labelled in the next: every other hour only sends the labels.
        clock.hour("concept_drift" if hour % 2 == 0 else None)
        if any(p["decision"] in ("promote", "retire") for p in result.promotions):
            break
    cloud.settle_endpoints()
    if not any(p["decision"] == "promote" and p["to"] == candidate for p in result.promotions):
        result.ending = "the retrained model was not promoted"
        step("   the retrained model was not promoted; the story ends")
        return
    step("6. promoted; its own labelled traffic is judged once the labels are due")
    # The first check that sees the new champion starts watching it; then an hour is served
    # and its labels are sent back an hour later.
    for scenario in (None, "concept_drift", None, None):
        clock.hour(scenario)
        judged = [
            c
            for c in result.quality_checks
            if c["champion_model_package_arn"] == candidate and c["live"] is not None
        ]
        if judged:
            result.recovered = judged[0]
            break
    result.ending = "recovered" if result.recovered else "the new champion was not judged yet"


class _Clock:
    """Simulated hours: feedback that is due and an hour of requests at :05, checks at :00."""

    def __init__(
        self,
        cloud: LocalCloud,
        api: ApiClient,
        features: list[str],
        target: str,
        result: HospitalStory,
        step: Step,
    ) -> None:
        assert cloud.scheduler is not None
        self.cloud, self.api, self.result, self.step = cloud, api, result, step
        self.features, self.target = features, target
        self.scheduler = cloud.scheduler
        self.pending: list[tuple[datetime, list[traffic.Outcome]]] = []
        self.seed = 100
        self.align()

    def align(self) -> None:
        """Move to the next full hour, firing the checks due on the way."""
        now = self.scheduler.now
        if now.minute or now.second or now.microsecond:
            top = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            self._advance(top - now)

    def hour(self, scenario: str | None) -> dict[str, Any]:
        """One hour (None: no requests, only the labels due); the quality check's summary."""
        self._advance(timedelta(minutes=5))
        now = self.scheduler.now
        delay = timedelta(minutes=self.result.label_delay_minutes)
        due = [o for at, batch in self.pending if at + delay <= now for o in batch]
        self.pending = [(at, batch) for at, batch in self.pending if at + delay > now]
        sent = traffic.send_feedback(self.api, due)
        outcomes = [] if scenario is None else self._serve(scenario)
        self.pending.append((now, outcomes))
        if scenario not in (None, "baseline") and self.result.change_at is None:
            self.result.change_at = now.isoformat()
        self.result.predictions_served += len(outcomes)
        self.result.feedback_sent += sent
        self.result.hours.append(
            {
                "at": now.isoformat(),
                "scenario": scenario,
                "predictions": len(outcomes),
                "feedback_sent": sent,
            }
        )
        firings = self._advance(timedelta(minutes=55))
        checks = [f.result for f in firings if f.rule.endswith("quality-check")]
        return checks[-1] if checks else {}

    def _serve(self, scenario: str) -> list[traffic.Outcome]:
        self.seed += 1
        frame = hospital.generate(
            scenario, rows=REQUESTS_PER_HOUR, seed=self.seed, ward_shares=WARD_SHARES
        )
        return traffic.predict(self.api, frame, features=self.features, target=self.target)

    def _advance(self, delta: timedelta) -> list[Any]:
        firings = self.scheduler.advance(delta, only=lambda r: r.name.endswith(HOURLY_CHECKS))
        for firing in firings:
            self._note(firing)
        return firings

    def _note(self, firing: Any) -> None:
        if "quality" in firing.rule:
            checked_at = ((firing.result or {}).get("window") or {}).get("checked_at")
            report = checked_at and story.reports(self.cloud, f"{QUALITY_REPORTS}{checked_at}")
            if report:
                check = quality_entry(report[-1])
                self.result.quality_checks.append(check)
                self.step(f"     {firing.at:%H:%M} quality check: {_quality_line(check)}")
            return
        reports = story.reports(self.cloud, PROMOTION_REPORTS)
        promotion = story.promotion_entry(reports[-1]) if reports else None
        if promotion is not None and promotion not in self.result.promotions:
            self.result.promotions.append(promotion)
            self.step(
                f"     {firing.at:%H:%M} promotion check: {promotion['decision']} "
                f"({promotion['reason']})"
            )


def quality_entry(report: dict[str, Any]) -> dict[str, Any]:
    """The parts of a quality report the story tells and plots."""
    free = report.get("label_free") or {}
    estimate = free.get("estimate") or {}
    comparison = free.get("comparison")
    return {
        "checked_at": report["window"]["checked_at"],
        "judged": {"start": report["window"]["start"], "end": report["window"]["end"]},
        "champion_model_package_arn": report.get("champion_model_package_arn"),
        "status": report["status"],
        "labels": report["labels"],
        "live": report.get("estimate"),
        "interval": report.get("interval"),
        "reference": report.get("reference"),
        "threshold": report.get("threshold"),
        "alert_sent": report.get("alert_sent"),
        "retrain_execution_arn": report.get("retrain_execution_arn"),
        "skipped_reason": report.get("skipped_reason"),
        "label_free": {
            "window": free.get("window"),
            "rows": estimate.get("rows"),
            "calibrated": estimate.get("calibrated"),
            "calibration_uri": free.get("calibration_uri"),
            "estimated_accuracy": estimate.get("accuracy"),
            "band": estimate.get("accuracy_band"),
            "comparison": None
            if comparison is None
            else {
                k: comparison[k]
                for k in (
                    "labels",
                    "estimated",
                    "realized",
                    "gap",
                    "threshold",
                    "flagged",
                    "flagged_streak",
                    "relationship_changed",
                )
            },
            "relationship_changed": bool(free.get("relationship_changed")),
            "alert_sent": report.get("relationship_alert_sent"),
        },
    }


def _quality_line(check: dict[str, Any]) -> str:
    free = check["label_free"]
    parts = [f"{check['status']} on {check['labels']} labels"]
    if check["live"] is not None:
        parts[0] += f" (live accuracy {check['live']:.3f}, reference {check['reference']:.3f})"
    if free["estimated_accuracy"] is not None:
        parts.append(f"estimate {free['estimated_accuracy']:.3f} on {free['rows']} unlabelled")
    comparison = free["comparison"]
    if comparison and comparison["realized"] is not None:
        flag = (
            "relationship changed"
            if comparison["relationship_changed"]
            else ("gap flagged" if comparison["flagged"] else "agree")
        )
        parts.append(
            f"estimated {comparison['estimated']:.3f} vs realized {comparison['realized']:.3f}: "
            f"{flag}"
        )
    return "; ".join(parts)


def _gather(cloud: LocalCloud, api: ApiClient, result: HospitalStory) -> None:
    """Read the outcome back from the cloud: the runs, the promotions, who serves now."""
    cloud.settle_endpoints()
    result.pipeline_runs = story.pipeline_runs(cloud)
    result.promotions = [story.promotion_entry(r) for r in story.reports(cloud, PROMOTION_REPORTS)]
    result.quality_run = next((r for r in result.pipeline_runs if r["trigger"] == "quality"), None)
    production = api.model()["production"]
    result.served_by = {
        "model_package_arn": production["model_package_arn"],
        "model_version": production["version"],
    }
    if result.recovered is not None:
        reference, live = result.recovered["reference"], result.recovered["live"]
        result.recovered = result.recovered | {
            "within_20_percent": bool(
                reference
                and live is not None
                and not math.isnan(live)
                and abs(live - reference) <= 0.2 * reference
            )
        }
