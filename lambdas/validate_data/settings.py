"""The validate_data function's settings, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import ModelSpec, model_spec, per_cold_start, text

VARIABLES = env.FUNCTIONS["validate_data"]


@dataclass(frozen=True)
class ValidateDataSettings:
    data_bucket: str
    spec: ModelSpec

    @classmethod
    def from_environment(cls) -> ValidateDataSettings:
        return cls(data_bucket=text(env.DATA_BUCKET), spec=model_spec())


settings = per_cold_start(VARIABLES)(ValidateDataSettings.from_environment)
