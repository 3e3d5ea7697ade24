"""The deploy function's settings: how the endpoint is built, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import (
    SettingError,
    flag,
    integer,
    json_value,
    number,
    per_cold_start,
    text,
)

VARIABLES = env.FUNCTIONS["deploy"]


@dataclass(frozen=True)
class EndpointOptions:
    """How the endpoint is built, from the deploy function's environment."""

    project: str
    endpoint_name: str
    model_package_group: str
    role_arn: str
    capture_bucket: str
    kms_key_arn: str
    instance_type: str
    instance_count: int
    serverless: bool
    shadow_sampling_percent: float
    capture_sampling_percent: int
    rollback_alarms: tuple[str, ...] = ()
    instance_storage: bool = False
    """The instance type has local NVMe storage, which SageMaker encrypts with no volume key."""

    @classmethod
    def from_environment(cls) -> EndpointOptions:
        alarms = json_value(env.ROLLBACK_ALARMS)
        if not isinstance(alarms, list) or not all(isinstance(a, str) for a in alarms):
            raise SettingError(
                f"environment variable {env.ROLLBACK_ALARMS} must be a JSON list of alarm names"
            )
        return cls(
            project=text(env.PROJECT),
            endpoint_name=text(env.ENDPOINT_NAME),
            model_package_group=text(env.MODEL_PACKAGE_GROUP),
            role_arn=text(env.SAGEMAKER_ROLE_ARN),
            capture_bucket=text(env.CAPTURE_BUCKET),
            kms_key_arn=text(env.KMS_KEY_ARN),
            instance_type=text(env.ENDPOINT_INSTANCE_TYPE),
            instance_count=integer(env.ENDPOINT_INSTANCE_COUNT),
            serverless=flag(env.SERVERLESS),
            shadow_sampling_percent=number(env.SHADOW_SAMPLING_PERCENT),
            capture_sampling_percent=integer(env.CAPTURE_SAMPLING_PERCENT),
            instance_storage=flag(env.ENDPOINT_INSTANCE_STORAGE),
            rollback_alarms=tuple(alarms),
        )

    @property
    def model_prefix(self) -> str:
        return f"{self.project}-v"

    @property
    def config_prefix(self) -> str:
        return f"{self.project}-config-"


settings = per_cold_start(VARIABLES)(EndpointOptions.from_environment)
