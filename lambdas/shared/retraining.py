"""Starting a retraining run from a scheduled check, under the guards every check shares.

A check starts a run only when nothing is in flight, outside the cooldown since the
last run it started, and under one execution name per window (``{trigger}-{window_end}``),
so two racing checks of the same window start one run. A check that finds this
window's own run already in flight (a racing check started it) reports that run as
its own, so racing checks of one window agree on what they did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lambdas.shared.contracts import run_input

# Runs in flight are few (the guard keeps it to one per check); enough to find this window's.
RUNNING_LISTED = 10


@dataclass(frozen=True)
class Started:
    """What a guarded start did: the run's ARN, or why none was started."""

    execution_arn: str | None = None
    skipped_reason: str | None = None


def execution_name(trigger: str, window_end: datetime) -> str:
    return f"{trigger}-{window_end:%Y%m%dT%H%M%S}"


def start_guarded(
    stepfunctions: Any,
    *,
    state_machine_arn: str,
    dataset: str,
    trigger: str,
    window_end: datetime,
    last_started_at: datetime | None,
    cooldown_minutes: int,
) -> Started:
    """Start a retraining run unless a guard says no (the run builds its own version)."""
    cooldown = timedelta(minutes=cooldown_minutes)
    if last_started_at and window_end - last_started_at < cooldown:
        return Started(skipped_reason="cooldown")
    running = stepfunctions.list_executions(
        stateMachineArn=state_machine_arn, statusFilter="RUNNING", maxResults=RUNNING_LISTED
    )["executions"]
    name = execution_name(trigger, window_end)
    own = [e["executionArn"] for e in running if e["name"] == name]
    if own:
        return Started(execution_arn=own[0])
    if running:
        return Started(skipped_reason="pipeline_running")
    arn = start(stepfunctions, state_machine_arn, dataset, trigger, window_end)
    return Started(execution_arn=arn)


def start(
    stepfunctions: Any, state_machine_arn: str, dataset: str, trigger: str, window_end: datetime
) -> str:
    """Start this window's run (``version_id`` null); the execution ARN either way."""
    name = execution_name(trigger, window_end)
    body = run_input.build(dataset, None, trigger).to_json()
    try:
        response = stepfunctions.start_execution(
            stateMachineArn=state_machine_arn, name=name, input=body
        )
    except stepfunctions.exceptions.ExecutionAlreadyExists:
        # Another check of the same window won the race; its execution is this window's.
        return _execution_arn(state_machine_arn, name)
    return response["executionArn"]


def _execution_arn(state_machine_arn: str, name: str) -> str:
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
