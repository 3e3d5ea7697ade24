"""Fires EventBridge schedules from a clock: moto stores rules but never fires them.

The clock is simulated, so a week of hourly drift checks takes as long as the
checks themselves. Each firing delivers what EventBridge delivers: a scheduled
event to a Lambda target, or the rule's input to a Step Functions target.

Time also passes without firing anything (``pass_time``): a state machine's Wait
states and Retry intervals move the clock while a run waits. Rules that fall due
meanwhile fire late, at the next ``advance``, with the time they were due.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shadowloop.localcloud.provision import RuleSpec

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}


@dataclass(frozen=True)
class Firing:
    rule: str
    at: datetime
    target: str
    result: Any


def due(schedule: str, start: datetime, end: datetime) -> list[datetime]:
    """The times in (start, end] at which ``schedule`` fires, on minute boundaries."""
    rate = _RATE.match(schedule)
    if rate:
        step = timedelta(**{_unit(rate.group(2)): int(rate.group(1))})
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        first = epoch + ((start - epoch) // step + 1) * step
        times = []
        while first <= end:
            times.append(first)
            first += step
        return times
    if schedule.startswith("cron(") and schedule.endswith(")"):
        matcher = _cron(schedule[5:-1])
        minute = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
        times = []
        while minute <= end:
            if matcher(minute):
                times.append(minute)
            minute += timedelta(minutes=1)
        return times
    raise ValueError(f"unsupported schedule expression {schedule!r}")


class Scheduler:
    """Holds the simulated time and fires due rules through the given deliverers."""

    def __init__(
        self,
        rules: list[RuleSpec],
        *,
        invoke_function: Callable[[str, dict[str, Any]], Any],
        start_execution: Callable[[str, str, str], Any],
        now: datetime,
    ) -> None:
        self.rules = rules
        self.invoke_function = invoke_function
        self.start_execution = start_execution
        self._lock = threading.Lock()
        self._now = now
        self._fired_until = now

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        """Setting the clock means nothing before ``value`` is still due."""
        with self._lock:
            self._now = self._fired_until = value

    def pass_time(self, delta: timedelta) -> None:
        """Move the clock forward without firing; rules due meanwhile fire at the next advance."""
        with self._lock:
            self._now += delta

    def advance(
        self, delta: timedelta, *, only: Callable[[RuleSpec], bool] | None = None
    ) -> list[Firing]:
        """Move the clock forward and fire, in time order, every rule due on the way."""
        end = self._now + delta
        plan = sorted(
            (at, rule.name, rule)
            for rule in self.rules
            if only is None or only(rule)
            for at in due(rule.schedule, self._fired_until, end)
        )
        firings = []
        for at, _, rule in plan:
            # A run started by a firing may have passed time already: never go back.
            self._forward_to(at)
            firings.extend(self.fire(rule, at))
        self._forward_to(end)
        with self._lock:
            self._fired_until = end
        return firings

    def _forward_to(self, moment: datetime) -> None:
        with self._lock:
            self._now = max(self._now, moment)

    def fire(self, rule: RuleSpec, at: datetime) -> list[Firing]:
        """Deliver one firing of ``rule`` to each of its targets."""
        firings = []
        for target in rule.targets:
            arn = target["Arn"]
            if ":states:" in arn:
                name = f"{rule.name[:40]}-{at:%Y%m%dT%H%M}"
                result = self.start_execution(arn, name, target.get("Input", "{}"))
            else:
                event = json.loads(target["Input"]) if "Input" in target else _event(rule, at)
                result = self.invoke_function(arn, event)
            firings.append(Firing(rule.name, at, arn, result))
        return firings

    def rule(self, fragment: str) -> RuleSpec:
        """The rule whose name contains ``fragment``."""
        matches = [r for r in self.rules if fragment in r.name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} rules match {fragment!r}")
        return matches[0]


def _event(rule: RuleSpec, at: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule.name}"],
        "detail": {},
    }


def _unit(unit: str) -> str:
    return unit if unit.endswith("s") else unit + "s"


def _cron(expression: str) -> Callable[[datetime], bool]:
    fields = expression.split()
    if len(fields) != 6:
        raise ValueError(f"cron({expression}) needs 6 fields")
    minute, hour, dom, month, dow, year = fields
    checks = [
        (lambda t: t.minute, _field(minute, {})),
        (lambda t: t.hour, _field(hour, {})),
        (lambda t: t.day, _field(dom, {})),
        (lambda t: t.month, _field(month, _MONTHS)),
        (lambda t: t.isoweekday() % 7 + 1, _field(dow, _DAYS)),
        (lambda t: t.year, _field(year, {})),
    ]
    return lambda t: all(match(get(t)) for get, match in checks)


def _field(text: str, names: dict[str, int]) -> Callable[[int], bool]:
    if text in ("*", "?"):
        return lambda _: True
    allowed: set[int] = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        if "-" in base:
            low, high = (_value(v, names) for v in base.split("-"))
        elif base == "*":
            low, high = 0, 60
        else:
            low = high = _value(base, names)
        allowed.update(range(low, high + 1, int(step or 1)))
    return allowed.__contains__


def _value(text: str, names: dict[str, int]) -> int:
    return names[text.upper()] if text.upper() in names else int(text)
