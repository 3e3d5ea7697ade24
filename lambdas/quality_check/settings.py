"""The quality check's settings, read once per cold start from the variables infra sets."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared import settings
from lambdas.shared.settings import ModelSpec


@dataclass(frozen=True)
class QualityCheckSettings:
    spec: ModelSpec
    capture_bucket: str
    artifact_bucket: str
    endpoint_name: str
    state_machine_arn: str
    topic_arn: str
    alpha: float
    tolerance: float
    min_labels: int
    label_delay_minutes: int
    cooldown_minutes: int

    @classmethod
    def from_env(cls) -> QualityCheckSettings:
        rule = settings.json_value(settings.QUALITY_RULE)
        try:
            alpha, tolerance = float(rule["alpha"]), float(rule["tolerance"])
            min_labels = int(rule["min_labels"])
        except (KeyError, TypeError, ValueError) as exc:
            raise settings.SettingError(
                f"environment variable {settings.QUALITY_RULE}: {exc!r} is missing or malformed"
            ) from None
        return cls(
            spec=settings.model_spec(),
            capture_bucket=settings.text(settings.CAPTURE_BUCKET),
            artifact_bucket=settings.text(settings.ARTIFACT_BUCKET),
            endpoint_name=settings.text(settings.ENDPOINT_NAME),
            state_machine_arn=settings.text(settings.STATE_MACHINE_ARN),
            topic_arn=settings.text(settings.ALERTS_TOPIC_ARN),
            alpha=alpha,
            tolerance=tolerance,
            min_labels=min_labels,
            label_delay_minutes=settings.integer(settings.QUALITY_LABEL_DELAY_MINUTES),
            cooldown_minutes=settings.integer(settings.QUALITY_COOLDOWN_MINUTES),
        )
