"""The Register step: the candidate as a model package with its metrics and lineage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from infra.config import Config
from infra.constructs.function import Function
from infra.constructs.functions.steps import LIGHT
from infra.constructs.sagemaker_access import allow_register
from lambdas.shared.contracts import environment as env

if TYPE_CHECKING:
    from infra.stacks.data import DataStack


class RegisterModel(Function):
    def __init__(
        self, scope: Construct, *, config: Config, data: DataStack, image_uri: str
    ) -> None:
        group = data.model_package_group_name
        super().__init__(
            scope,
            "RegisterModel",
            config=config,
            name="register_model",
            description="Registers the candidate in the Model Registry with its metrics and "
            "lineage",
            environment={
                **data.model_spec.environment,
                env.MODEL_PACKAGE_GROUP: group,
                env.APPROVAL_STATUS: config.approval_status,
                env.INFERENCE_IMAGE_URI: image_uri,
                env.CODE_VERSION: data.training_code.version,
                env.DATA_BUCKET: data.data_bucket.bucket_name,
                env.ENDPOINT_INSTANCE_TYPE: config.compute.endpoint_instance_type,
            },
            **LIGHT,
        )
        data.model_spec.grant_read(self.role)
        allow_register(self.role, group=group)
