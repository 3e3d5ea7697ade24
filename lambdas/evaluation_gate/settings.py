"""The evaluation gate's settings, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import ModelSpec, model_spec, number, per_cold_start

VARIABLES = env.FUNCTIONS["evaluation_gate"]


@dataclass(frozen=True)
class EvaluationGateSettings:
    spec: ModelSpec
    threshold: float
    max_regression: float

    @classmethod
    def from_environment(cls) -> EvaluationGateSettings:
        return cls(
            spec=model_spec(),
            threshold=number(env.GATE_THRESHOLD),
            max_regression=number(env.GATE_MAX_REGRESSION),
        )


settings = per_cold_start(VARIABLES)(EvaluationGateSettings.from_environment)
