"""The register_model function's settings, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.register_model.package import RegistrySettings
from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import ModelSpec, model_spec, optional_text, per_cold_start, text

VARIABLES = env.FUNCTIONS["register_model"]


@dataclass(frozen=True)
class RegisterModelSettings:
    spec: ModelSpec
    registry: RegistrySettings

    @classmethod
    def from_environment(cls) -> RegisterModelSettings:
        return cls(
            spec=model_spec(),
            registry=RegistrySettings(
                group=text(env.MODEL_PACKAGE_GROUP),
                approval_status=text(env.APPROVAL_STATUS),
                image_uri=text(env.INFERENCE_IMAGE_URI),
                code_version=text(env.CODE_VERSION),
                data_bucket=text(env.DATA_BUCKET),
                instance_type=optional_text(env.ENDPOINT_INSTANCE_TYPE),
            ),
        )


settings = per_cold_start(VARIABLES)(RegisterModelSettings.from_environment)
