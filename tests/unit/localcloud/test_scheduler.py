"""The local clock: schedules fire as it advances; waits pass time without firing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shadowloop.localcloud.provision import RuleSpec
from shadowloop.localcloud.scheduler import Scheduler

START = datetime(2030, 1, 2, 3, 0, tzinfo=UTC)
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:check"


def _scheduler(calls: list[str]) -> Scheduler:
    return Scheduler(
        [RuleSpec("hourly", "rate(1 hour)", [{"Arn": FUNCTION}])],
        invoke_function=lambda arn, event: calls.append(event["time"]),
        start_execution=lambda *args: None,
        now=START,
    )


def test_time_passed_in_a_wait_fires_nothing_until_the_next_advance():
    calls: list[str] = []
    scheduler = _scheduler(calls)

    # When a run's waits pass 90 minutes, the hourly rule does not fire meanwhile
    scheduler.pass_time(timedelta(minutes=90))
    assert calls == [] and scheduler.now == START + timedelta(minutes=90)

    # Then the next advance fires it late, with the time it was due, and the clock keeps going
    scheduler.advance(timedelta(minutes=10))
    assert calls == ["2030-01-02T04:00:00Z"]
    assert scheduler.now == START + timedelta(minutes=100)


def test_setting_the_clock_leaves_nothing_due_behind_it():
    calls: list[str] = []
    scheduler = _scheduler(calls)

    scheduler.now = START + timedelta(hours=5)
    scheduler.advance(timedelta(minutes=1))

    assert calls == []
