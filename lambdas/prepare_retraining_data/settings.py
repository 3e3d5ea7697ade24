"""The prepare_retraining_data function's settings, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import ModelSpec, integer, model_spec, per_cold_start, text

VARIABLES = env.FUNCTIONS["prepare_retraining_data"]


@dataclass(frozen=True)
class PrepareRetrainingDataSettings:
    spec: ModelSpec
    data_bucket: str
    capture_bucket: str
    inference_table: str
    endpoint_name: str
    lookback_hours: int

    @classmethod
    def from_environment(cls) -> PrepareRetrainingDataSettings:
        return cls(
            spec=model_spec(),
            data_bucket=text(env.DATA_BUCKET),
            capture_bucket=text(env.CAPTURE_BUCKET),
            inference_table=text(env.INFERENCE_TABLE),
            endpoint_name=text(env.ENDPOINT_NAME),
            lookback_hours=integer(env.RETRAIN_LOOKBACK_HOURS),
        )


settings = per_cold_start(VARIABLES)(PrepareRetrainingDataSettings.from_environment)
