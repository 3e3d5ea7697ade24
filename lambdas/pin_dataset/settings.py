"""The pin_dataset function's settings, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import per_cold_start, text

VARIABLES = env.FUNCTIONS["pin_dataset"]


@dataclass(frozen=True)
class PinDatasetSettings:
    data_bucket: str

    @classmethod
    def from_environment(cls) -> PinDatasetSettings:
        return cls(data_bucket=text(env.DATA_BUCKET))


settings = per_cold_start(VARIABLES)(PinDatasetSettings.from_environment)
