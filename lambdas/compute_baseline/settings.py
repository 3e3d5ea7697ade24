"""The compute_baseline function's settings, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import ModelSpec, model_spec, per_cold_start, text

VARIABLES = env.FUNCTIONS["compute_baseline"]


@dataclass(frozen=True)
class ComputeBaselineSettings:
    artifact_bucket: str
    spec: ModelSpec

    @classmethod
    def from_environment(cls) -> ComputeBaselineSettings:
        return cls(artifact_bucket=text(env.ARTIFACT_BUCKET), spec=model_spec())


settings = per_cold_start(VARIABLES)(ComputeBaselineSettings.from_environment)
