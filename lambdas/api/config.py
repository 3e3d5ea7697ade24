"""The API's settings, read from the environment at call time."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared import settings
from lambdas.shared.settings import ModelSpec


@dataclass(frozen=True)
class ApiSettings:
    endpoint_name: str
    capture_bucket: str
    inference_table: str
    spec: ModelSpec
    max_batch: int
    model_package_group: str | None
    audit_retention_days: int

    @classmethod
    def from_env(cls) -> ApiSettings:
        """Build from the variables infra sets; a missing one raises SettingError naming it."""
        return cls(
            endpoint_name=settings.text(settings.ENDPOINT_NAME),
            capture_bucket=settings.text(settings.CAPTURE_BUCKET),
            inference_table=settings.text(settings.INFERENCE_TABLE),
            spec=settings.model_spec(),
            max_batch=settings.integer(settings.MAX_BATCH),
            model_package_group=settings.optional_text(settings.MODEL_PACKAGE_GROUP),
            audit_retention_days=settings.integer(settings.AUDIT_RETENTION_DAYS),
        )
