"""The ComputeBaseline step: per-feature statistics of the training snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from infra.config import Config
from infra.constructs.function import Function
from infra.constructs.functions.access import read_objects, write_objects
from infra.constructs.functions.steps import HEAVY
from lambdas.shared.contracts import environment as env

if TYPE_CHECKING:
    from infra.stacks.data import DataStack


class ComputeBaseline(Function):
    def __init__(self, scope: Construct, *, config: Config, data: DataStack) -> None:
        super().__init__(
            scope,
            "ComputeBaseline",
            config=config,
            name="compute_baseline",
            description="Summarises the training snapshot per feature: the baseline for drift "
            "checks",
            environment={
                **data.model_spec.environment,
                env.ARTIFACT_BUCKET: data.artifact_bucket.bucket_name,
            },
            needs_numpy=True,
            **HEAVY,
        )
        data.model_spec.grant_read(self.role)
        read_objects(self.role, data.data_bucket, list_bucket=False)
        write_objects(self.role, data.artifact_bucket, "*")
