"""Step Functions Wait states and Retry intervals pass simulated time, not real time.

moto's interpreter sleeps for every Wait and every Retry interval. Here they move the
local cloud's clock forward by the same number of seconds and return at once, so a
pipeline that polls an endpoint every minute for ten minutes takes ten simulated
minutes and no real ones, and the endpoint's own change finishes on the same clock.
"""

from __future__ import annotations

import types
from collections.abc import Callable

from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)

# The patched members; tests/integration/localcloud checks that moto still has them.
PATCHED_WAIT = (WaitFunction, "_wait_interval")
PATCHED_RETRY_CLOCK = (retrier_decl, "time")


class SimulatedWaits:
    """While installed, every Wait and Retry interval calls ``pass_time(seconds)``."""

    def __init__(self, pass_time: Callable[[float], None]) -> None:
        self.pass_time = pass_time
        self._originals = {p: getattr(*p) for p in (PATCHED_WAIT, PATCHED_RETRY_CLOCK)}

    def install(self) -> None:
        waits = self

        def wait_interval(function, env, wait_seconds):  # noqa: ANN001
            if wait_seconds > 0 and env.is_running():
                waits.pass_time(float(wait_seconds))

        # The retrier only sleeps through its module's ``time``.
        setattr(*PATCHED_WAIT, wait_interval)
        setattr(*PATCHED_RETRY_CLOCK, types.SimpleNamespace(sleep=self._sleep))

    def uninstall(self) -> None:
        for target, original in self._originals.items():
            setattr(*target, original)

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.pass_time(float(seconds))
