"""The ResolveChampion step: the serving champion's package, copied for evaluation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from infra.config import Config
from infra.constructs.function import Function
from infra.constructs.functions.access import read_objects, write_objects
from infra.constructs.functions.steps import LIGHT
from infra.constructs.sagemaker_access import allow_describe_serving, allow_list_packages
from lambdas.shared.contracts import environment as env

if TYPE_CHECKING:
    from infra.stacks.data import DataStack


class ResolveChampion(Function):
    def __init__(
        self, scope: Construct, *, config: Config, data: DataStack, endpoint_name: str
    ) -> None:
        group = data.model_package_group_name
        super().__init__(
            scope,
            "ResolveChampion",
            config=config,
            name="resolve_champion",
            description="Finds the serving champion's model package and copies its model for "
            "evaluation",
            environment={
                env.MODEL_PACKAGE_GROUP: group,
                env.ENDPOINT_NAME: endpoint_name,
                env.ARTIFACT_BUCKET: data.artifact_bucket.bucket_name,
            },
            **LIGHT,
        )
        allow_list_packages(self.role, group=group)
        allow_describe_serving(self.role, prefix=config.prefix, group=group)
        read_objects(self.role, data.artifact_bucket)
        write_objects(self.role, data.artifact_bucket, "runs/*")
