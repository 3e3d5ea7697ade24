"""The evaluation gate: the candidate's evaluation against the champion and the thresholds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from infra.config import Config
from infra.constructs.function import Function
from infra.constructs.functions.access import read_objects
from infra.constructs.functions.steps import LIGHT
from lambdas.shared.contracts import environment as env

if TYPE_CHECKING:
    from infra.stacks.data import DataStack


class EvaluationGate(Function):
    def __init__(self, scope: Construct, *, config: Config, data: DataStack) -> None:
        super().__init__(
            scope,
            "EvaluationGate",
            config=config,
            name="evaluation_gate",
            description="Applies the quality gate to the candidate's evaluation against the "
            "champion",
            environment={
                **data.model_spec.environment,
                env.GATE_THRESHOLD: str(config.gate.threshold),
                env.GATE_MAX_REGRESSION: str(config.gate.max_regression),
            },
            **LIGHT,
        )
        data.model_spec.grant_read(self.role)
        read_objects(self.role, data.artifact_bucket, list_bucket=False)
