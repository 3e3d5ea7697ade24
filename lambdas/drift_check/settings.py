"""The drift check's settings, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lambdas.shared.contracts import environment as env
from lambdas.shared.drift import Thresholds
from lambdas.shared.settings import (
    ModelSpec,
    SettingError,
    hours,
    integer,
    json_value,
    model_spec,
    per_cold_start,
    text,
)

VARIABLES = env.FUNCTIONS["drift_check"]


@dataclass(frozen=True)
class DriftCheckSettings:
    spec: ModelSpec
    capture_bucket: str
    artifact_bucket: str
    endpoint_name: str
    state_machine_arn: str
    thresholds: Thresholds
    min_rows: int
    cooldown_minutes: int
    max_window: timedelta
    """The longest window of captures one check reads."""

    @classmethod
    def from_environment(cls) -> DriftCheckSettings:
        try:
            thresholds = Thresholds.from_dict(json_value(env.DRIFT_THRESHOLDS))
        except ValueError as exc:
            raise SettingError(f"environment variable {env.DRIFT_THRESHOLDS}: {exc}") from None
        return cls(
            spec=model_spec(),
            capture_bucket=text(env.CAPTURE_BUCKET),
            artifact_bucket=text(env.ARTIFACT_BUCKET),
            endpoint_name=text(env.ENDPOINT_NAME),
            state_machine_arn=text(env.STATE_MACHINE_ARN),
            thresholds=thresholds,
            min_rows=integer(env.DRIFT_MIN_ROWS),
            cooldown_minutes=integer(env.DRIFT_COOLDOWN_MINUTES),
            max_window=hours(env.MAX_WINDOW_HOURS),
        )


settings = per_cold_start(VARIABLES)(DriftCheckSettings.from_environment)
