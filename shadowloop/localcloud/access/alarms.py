"""Alarm actions, delivered as CloudWatch delivers them: moto stores alarms but never fires them.

CloudWatch publishes an alarm's SNS actions as the service principal
``cloudwatch.amazonaws.com`` for that alarm, so the topic policy must allow it and,
for an encrypted topic, the key policy must let it use the key; an IAM policy cannot.
A refused action is not an error to anyone: the alarm's action simply fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from shadowloop.localcloud.access.enforcer import AccessControl, AccessDenied
from shadowloop.localcloud.access.operations import Call, checks_for
from shadowloop.localcloud.access.principals import Principal, acting_as

CLOUDWATCH = "cloudwatch.amazonaws.com"


@dataclass(frozen=True)
class ActionOutcome:
    action: str
    succeeded: bool
    error: str | None = None


@dataclass(frozen=True)
class AlarmActions:
    """What firing one alarm did: the outcome of each of its actions."""

    alarm_name: str
    outcomes: list[ActionOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[ActionOutcome]:
        return [o for o in self.outcomes if not o.succeeded]


def fire_alarm(
    cloudwatch: Any, access: AccessControl | None, alarm_name: str, *, reason: str, region: str
) -> AlarmActions:
    """Set ``alarm_name`` to ALARM and run each of its actions as CloudWatch."""
    alarms = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    if not alarms:
        raise KeyError(f"no alarm named {alarm_name!r}")
    alarm = alarms[0]
    cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue="ALARM", StateReason=reason)
    principal = Principal.aws_service(CLOUDWATCH, source_arn=alarm["AlarmArn"])
    outcomes = []
    for action in alarm.get("AlarmActions", []):
        if ":sns:" not in action:
            outcomes.append(ActionOutcome(action, False, "only SNS actions are delivered locally"))
            continue
        try:
            if access is not None:
                call = Call("sns", "Publish", {"TopicArn": action}, region, access.store)
                access.require_all(principal, checks_for(call))
            _publish(action, alarm, reason, region)
        except AccessDenied as denied:
            outcomes.append(ActionOutcome(action, False, denied.message))
            continue
        outcomes.append(ActionOutcome(action, True))
    return AlarmActions(alarm_name, outcomes)


def _publish(topic_arn: str, alarm: dict[str, Any], reason: str, region: str) -> None:
    message = {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AlarmArn": alarm["AlarmArn"],
        "NewStateValue": "ALARM",
        "NewStateReason": reason,
        "StateChangeTime": datetime.now(UTC).isoformat(),
        "Region": region,
    }
    # CloudWatch itself publishes (its rights were checked above), not the thread's caller.
    with acting_as(None):
        boto3.client("sns", region_name=region).publish(
            TopicArn=topic_arn,
            Subject=f'ALARM: "{alarm["AlarmName"]}" in {region}'[:100],
            Message=json.dumps(message),
        )
