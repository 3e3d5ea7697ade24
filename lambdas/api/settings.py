"""The API's settings, read once per cold start; the model spec only when a route needs it."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import integer, model_spec, per_cold_start, text

VARIABLES = env.FUNCTIONS["api"]


@dataclass(frozen=True)
class ApiSettings:
    endpoint_name: str
    inference_table: str
    max_batch: int
    audit_retention_days: int

    @classmethod
    def from_environment(cls) -> ApiSettings:
        """Build from the variables infra sets; a missing one raises SettingError naming it."""
        return cls(
            endpoint_name=text(env.ENDPOINT_NAME),
            inference_table=text(env.INFERENCE_TABLE),
            max_batch=integer(env.MAX_BATCH),
            audit_retention_days=integer(env.AUDIT_RETENTION_DAYS),
        )


settings = per_cold_start(VARIABLES)(ApiSettings.from_environment)
# Apart: GET /model and GET /inferences answer without the spec, so they never read it.
spec = per_cold_start(VARIABLES)(model_spec)
