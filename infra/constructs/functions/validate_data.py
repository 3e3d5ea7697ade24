"""The ValidateData step: pins a dataset version, checks it and snapshots it."""

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


class ValidateData(Function):
    def __init__(self, scope: Construct, *, config: Config, data: DataStack) -> None:
        super().__init__(
            scope,
            "ValidateData",
            config=config,
            name="validate_data",
            description="Pins a dataset version, checks it against the model spec and snapshots it",
            environment={
                **data.model_spec.environment,
                env.DATA_BUCKET: data.data_bucket.bucket_name,
            },
            needs_numpy=True,
            **HEAVY,
        )
        data.model_spec.grant_read(self.role)
        read_objects(self.role, data.data_bucket)
        write_objects(self.role, data.data_bucket, "snapshots/*")
        write_objects(self.role, data.data_bucket, "reports/*")
