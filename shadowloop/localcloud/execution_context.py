"""The context object fields that AWS Step Functions gives every execution and moto lacks.

moto's ``$$.Execution`` has no ``RedriveCount``; on AWS it is 0 for a first attempt and
counts the redrives after. The pipeline names its SageMaker jobs with it. moto cannot
redrive an execution, so locally it is always 0.
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

PATCHED = (ExecutionWorker, "_get_evaluation_environment")


class ExecutionContext:
    """Adds ``RedriveCount`` to each execution's ``$$.Execution``."""

    def __init__(self) -> None:
        self._original = getattr(*PATCHED)

    def install(self) -> None:
        original = self._original

        def environment(worker: Any) -> Any:
            env = original(worker)
            env.states.context_object.context_object_data["Execution"].setdefault("RedriveCount", 0)
            return env

        setattr(*PATCHED, environment)

    def uninstall(self) -> None:
        setattr(*PATCHED, self._original)
