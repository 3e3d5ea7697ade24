"""Pipeline runs: start one, follow it state by state, read its outcome."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lambdas.shared.contracts import run_input, steps
from shadowloop.ops.target import Deployed

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended, in the words a user needs."""

    execution_arn: str
    status: str
    result: str  # "registered" | "rejected" | "failed"
    model_package_arn: str | None
    reason: str | None
    output: dict[str, Any] | None
    unsent_notice: str | None = None
    """SNS's error when the run's closing notification could not be sent."""


def start(
    target: Deployed,
    dataset: str,
    *,
    version_id: str | None = None,
    trigger: str = "manual",
    name: str | None = None,
) -> str:
    """Start a run; returns its execution ARN. The name is the run id."""
    name = name or f"{trigger}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    return target.client("stepfunctions").start_execution(
        stateMachineArn=target.output("StateMachineArn"),
        name=name,
        input=run_input.build(dataset, version_id, trigger).to_json(),
    )["executionArn"]


def wait(
    target: Deployed,
    execution_arn: str,
    *,
    on_poll: Callable[[], None] = lambda: None,
    poll_seconds: float = 0.2,
    timeout: float = 6 * 3600,
) -> dict[str, Any]:
    """Wait for a run to end; returns its ``DescribeExecution`` answer."""
    sfn = target.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        on_poll()
        if described["status"] in TERMINAL:
            return described
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {execution_arn} still running after {timeout:.0f} s")
        time.sleep(poll_seconds)


def follow(
    target: Deployed,
    execution_arn: str,
    *,
    on_state: Callable[[str], None] = lambda _: None,
    poll_seconds: float = 0.2,
    timeout: float = 6 * 3600,
) -> RunOutcome:
    """Wait for a run to end, reporting each state it enters."""
    sfn = target.client("stepfunctions")
    seen: set[int] = set()

    def report_new_states() -> None:
        for event in sorted(_history(sfn, execution_arn), key=lambda e: e["id"]):
            if event["id"] in seen:
                continue
            seen.add(event["id"])
            if event["type"].endswith("StateEntered"):
                on_state(event["stateEnteredEventDetails"]["name"])

    described = wait(
        target,
        execution_arn,
        on_poll=report_new_states,
        poll_seconds=poll_seconds,
        timeout=timeout,
    )
    return outcome(described)


def outcome(described: dict[str, Any]) -> RunOutcome:
    """Read a finished execution: registered, rejected by the gate, or failed and why."""
    output = json.loads(described["output"]) if described.get("output") else None
    arn = described["executionArn"]
    if described["status"] != "SUCCEEDED":
        return RunOutcome(
            arn, described["status"], "failed", None, failure_reason(described), output
        )
    gate = (output or {}).get("gate") or {}
    if gate.get("decision") == "reject":
        return RunOutcome(
            arn, "SUCCEEDED", "rejected", None, gate.get("reason"), output, _unsent_notice(output)
        )
    package = ((output or {}).get("model_package") or {}).get("arn")
    return RunOutcome(arn, "SUCCEEDED", "registered", package, None, output, _unsent_notice(output))


def _unsent_notice(output: dict[str, Any] | None) -> str | None:
    """The run's notification error (``steps.NOTIFICATION_ERROR``), as one line."""
    error = (output or {}).get(steps.NOTIFICATION_ERROR.removeprefix("$."))
    if not isinstance(error, dict):
        return None
    return f"{error.get('Error', 'unknown error')}: {error.get('Cause', '')}".rstrip(": ")


def failure_reason(described: dict[str, Any]) -> str:
    """The handler's or job's own message, not the Step Functions wrapper around it."""
    cause = described.get("cause") or ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        cause = parsed.get("errorMessage") or parsed.get("Cause") or cause
    return cause or described.get("error") or described["status"]


def _history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]
