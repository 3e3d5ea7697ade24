"""The quality check's settings, read once per cold start from the variables infra sets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lambdas.shared.contracts import environment as env
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

VARIABLES = env.FUNCTIONS["quality_check"]


@dataclass(frozen=True)
class QualityCheckSettings:
    spec: ModelSpec
    capture_bucket: str
    inference_table: str
    artifact_bucket: str
    endpoint_name: str
    state_machine_arn: str
    topic_arn: str
    alpha: float
    tolerance: float
    min_labels: int
    label_delay_minutes: int
    cooldown_minutes: int
    max_window: timedelta
    """The longest window of captures one check reads."""

    @classmethod
    def from_environment(cls) -> QualityCheckSettings:
        rule = json_value(env.QUALITY_RULE)
        try:
            alpha, tolerance = float(rule["alpha"]), float(rule["tolerance"])
            min_labels = int(rule["min_labels"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SettingError(
                f"environment variable {env.QUALITY_RULE}: {exc!r} is missing or malformed"
            ) from None
        return cls(
            spec=model_spec(),
            capture_bucket=text(env.CAPTURE_BUCKET),
            inference_table=text(env.INFERENCE_TABLE),
            artifact_bucket=text(env.ARTIFACT_BUCKET),
            endpoint_name=text(env.ENDPOINT_NAME),
            state_machine_arn=text(env.STATE_MACHINE_ARN),
            topic_arn=text(env.ALERTS_TOPIC_ARN),
            alpha=alpha,
            tolerance=tolerance,
            min_labels=min_labels,
            label_delay_minutes=integer(env.QUALITY_LABEL_DELAY_MINUTES),
            cooldown_minutes=integer(env.QUALITY_COOLDOWN_MINUTES),
            max_window=hours(env.MAX_WINDOW_HOURS),
        )


settings = per_cold_start(VARIABLES)(QualityCheckSettings.from_environment)
