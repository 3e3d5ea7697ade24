"""One scheduled drift check: captured champion inputs vs the champion's baseline.

Window: (last_window_end, last_window_end + max_window], cut at the check's time. On the
first run there is no state and the window is the last ``max_window``. The window
advances after every decision; an ``insufficient_data`` window does not advance, so the
next check accumulates more rows, until it is ``max_window`` long: then it advances too,
so no check ever reads more than ``max_window`` of captures. After a gap (failed or
missed checks) the next checks catch up one bounded window each.

The check's clock is ``window_end`` (the schedule's event time), which makes the
cooldown reproducible and the execution name deterministic per event. State and report
are written under S3 conditions (:mod:`lambdas.shared.conditional`): racing checks merge
their state (neither the window end nor the last retraining moves back) and an event's
report is written once; a repeated event returns the stored report as a duplicate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.drift_check import window as win
from lambdas.drift_check.settings import DriftCheckSettings
from lambdas.shared import capture, conditional, endpoint_state, retraining, s3uri
from lambdas.shared.drift import BaselineError, DriftAccumulator

TRIGGER = "drift"
DUPLICATE = "duplicate"


class BaselineUnavailable(RuntimeError):
    """The champion's baseline cannot be found or read; the message says why."""


@dataclass(frozen=True)
class Champion:
    model_package_arn: str
    baseline_uri: str
    baseline: dict[str, Any]


def run_drift_check(
    *,
    s3: Any,
    sagemaker: Any,
    stepfunctions: Any,
    settings: DriftCheckSettings,
    window_end: datetime,
) -> dict[str, Any] | None:
    """Check one window, maybe start retraining, store the report; None without an endpoint.

    A report already stored for this event comes back with ``outcome: duplicate``; nothing
    is checked, started or written again.
    """
    state = endpoint_state.describe(sagemaker, settings.endpoint_name)
    if state is None:
        return None
    key = win.report_key(window_end)
    earlier = conditional.read_json(s3, settings.artifact_bucket, key).body
    if earlier is not None:
        return earlier | {"outcome": DUPLICATE}
    champion = champion_baseline(sagemaker, s3, state.champion.model_package_arn)
    read = conditional.read_json(s3, settings.artifact_bucket, win.STATE_KEY)
    stored = win.parse_state(read.body)
    start, end = win.bounds(stored.last_window_end, window_end, settings.max_window)
    if end <= start:
        # Another run of this event (or a later one) already moved the window past it.
        window = {"start": win.iso(start), "end": win.iso(end), "checked_at": win.iso(window_end)}
        return {"status": "already_checked", "window": window, "outcome": DUPLICATE}
    report, skipped = _compare(s3, settings, champion.baseline, start, end)
    decision = _decide(stepfunctions, settings, report, stored, window_end)
    report |= {
        "window": {"start": win.iso(start), "end": win.iso(end), "checked_at": win.iso(window_end)},
        "champion_model_package_arn": champion.model_package_arn,
        "baseline_uri": champion.baseline_uri,
        "records_skipped": skipped.count,
        "skipped_reasons": skipped.reasons,
        "retrain_started": decision.execution_arn is not None,
        "retrain_execution_arn": decision.execution_arn,
        "skipped_reason": decision.skipped_reason,
    }
    if report["status"] == "ok" or end - start >= settings.max_window:
        started = window_end if decision.execution_arn else None
        mine = win.DriftState(last_window_end=end, last_retrain_started_at=started)
        conditional.update_json(
            s3,
            settings.artifact_bucket,
            win.STATE_KEY,
            lambda raw: win.state_body(win.merge(win.parse_state(raw), mine)),
            read=read,
        )
    if not conditional.write_once(s3, settings.artifact_bucket, key, report):
        stored_report = conditional.read_json(s3, settings.artifact_bucket, key).body
        return (stored_report or report) | {"outcome": DUPLICATE}
    return report | {"outcome": "checked"}


def _compare(
    s3: Any,
    settings: DriftCheckSettings,
    baseline: dict[str, Any],
    start: datetime,
    end: datetime,
) -> tuple[dict[str, Any], capture.Skipped]:
    """The drift report of the champion's captures in (start, end], read chunk by chunk."""
    accumulator = DriftAccumulator(baseline)
    skipped = capture.Skipped()
    for chunk in win.iter_feature_chunks(
        s3,
        bucket=settings.capture_bucket,
        endpoint_name=settings.endpoint_name,
        variant=endpoint_state.CHAMPION,
        start=start,
        end=end,
        skipped=skipped,
    ):
        accumulator.add(chunk)
    critical = [f.name for f in settings.spec.features if f.critical]
    report = accumulator.report(settings.thresholds, critical=critical, min_rows=settings.min_rows)
    return report, skipped


def champion_baseline(sagemaker: Any, s3: Any, model_package_arn: str | None) -> Champion:
    """The champion's baseline, from the ``baseline_uri`` its model package carries."""
    if not model_package_arn:
        raise BaselineUnavailable("the champion variant's model has no model package")
    package = sagemaker.describe_model_package(ModelPackageName=model_package_arn)
    uri = (package.get("CustomerMetadataProperties") or {}).get("baseline_uri") or (
        package.get("ModelMetrics", {})
        .get("ModelDataQuality", {})
        .get("Statistics", {})
        .get("S3Uri")
    )
    if not uri:
        raise BaselineUnavailable(f"model package {model_package_arn} has no baseline_uri")
    try:
        bucket, key = s3uri.parse(uri)
        baseline = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        DriftAccumulator(baseline)
    except ClientError as exc:
        raise BaselineUnavailable(f"baseline {uri} cannot be read: {exc}") from None
    except (ValueError, BaselineError) as exc:
        raise BaselineUnavailable(f"baseline {uri} is corrupt: {exc}") from None
    return Champion(model_package_arn=model_package_arn, baseline_uri=uri, baseline=baseline)


def _decide(
    stepfunctions: Any,
    settings: DriftCheckSettings,
    report: dict[str, Any],
    stored: win.DriftState,
    window_end: datetime,
) -> retraining.Started:
    if report["status"] != "ok":
        return retraining.Started(skipped_reason=report["status"])
    if not report["drifted"]:
        return retraining.Started(skipped_reason="no_drift")
    return retraining.start_guarded(
        stepfunctions,
        state_machine_arn=settings.state_machine_arn,
        dataset=settings.spec.dataset,
        trigger=TRIGGER,
        window_end=window_end,
        last_started_at=stored.last_retrain_started_at,
        cooldown_minutes=settings.cooldown_minutes,
    )
