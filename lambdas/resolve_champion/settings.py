"""The resolve_champion function's settings, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import per_cold_start, text

VARIABLES = env.FUNCTIONS["resolve_champion"]


@dataclass(frozen=True)
class ResolveChampionSettings:
    endpoint_name: str
    group: str
    artifact_bucket: str

    @classmethod
    def from_environment(cls) -> ResolveChampionSettings:
        return cls(
            endpoint_name=text(env.ENDPOINT_NAME),
            group=text(env.MODEL_PACKAGE_GROUP),
            artifact_bucket=text(env.ARTIFACT_BUCKET),
        )


settings = per_cold_start(VARIABLES)(ResolveChampionSettings.from_environment)
