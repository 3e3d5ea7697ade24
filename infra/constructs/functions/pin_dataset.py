"""The PinDataset step: resolves a dataset version, snapshots it and says how large it is."""

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


class PinDataset(Function):
    def __init__(self, scope: Construct, *, config: Config, data: DataStack) -> None:
        super().__init__(
            scope,
            "PinDataset",
            config=config,
            name="pin_dataset",
            description="Resolves a dataset version, snapshots it and answers the snapshot's size",
            environment={env.DATA_BUCKET: data.data_bucket.bucket_name},
            # A copy of a multi-GB version is S3's work, but the transfer still waits for it.
            **HEAVY,
        )
        read_objects(self.role, data.data_bucket)
        write_objects(self.role, data.data_bucket, "snapshots/*")
