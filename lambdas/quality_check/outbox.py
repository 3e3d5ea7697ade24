"""Alerts held back until this run's report is stored, so racing runs of one event alert once."""

from __future__ import annotations

from typing import Any


class Outbox:
    """Stands in for the SNS client while a check decides; ``send`` publishes what it held."""

    def __init__(self) -> None:
        self.held: list[dict[str, Any]] = []

    def publish(self, **message: Any) -> dict[str, Any]:
        self.held.append(message)
        return {}

    def send(self, sns: Any) -> None:
        for message in self.held:
            sns.publish(**message)
