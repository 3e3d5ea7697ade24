"""Which SageMaker instance types have local (NVMe) instance storage.

SageMaker refuses a volume ``KmsKeyId`` for those types: their instance store is
encrypted by the instance's hardware. The table in ``instance_storage.json`` is built by
:func:`build_table` from two AWS-published sources that ship with the project's
dependencies: botocore's SageMaker model (every ``ml.*`` type SageMaker accepts) and
moto's copy of EC2 ``DescribeInstanceTypes`` (``InstanceStorageSupported``). A test
checks the committed table against a fresh build, so it cannot drift silently.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("instance_storage.json")
_SAGEMAKER_ENUMS = (
    "ProductionVariantInstanceType",
    "TrainingInstanceType",
    "ProcessingInstanceType",
)


class UnknownInstanceType(ValueError):
    """Neither source knows whether this type has instance storage."""


@lru_cache(maxsize=1)
def _table() -> dict[str, bool]:
    return json.loads(TABLE.read_text())["instance_storage"]


def has_instance_storage(instance_type: str) -> bool:
    """True when ``instance_type`` (``ml.*``) has local instance storage."""
    try:
        return _table()[instance_type]
    except KeyError:
        raise UnknownInstanceType(
            f"{instance_type!r} is not a SageMaker instance type whose storage is known"
        ) from None


def build_table() -> dict[str, Any]:
    """The table from the installed botocore and moto (run to refresh instance_storage.json)."""
    import botocore
    import moto

    model_path = Path(botocore.__file__).parent / "data/sagemaker/2017-07-24/service-2.json.gz"
    shapes = json.loads(gzip.decompress(model_path.read_bytes()))["shapes"]
    ec2_path = Path(moto.__file__).parent / "ec2/resources/instance_types.json.gz"
    ec2 = json.loads(gzip.decompress(ec2_path.read_bytes()))
    sagemaker_types = sorted({t for name in _SAGEMAKER_ENUMS for t in shapes[name]["enum"]})
    return {
        "source": "botocore SageMaker instance type enums x EC2 DescribeInstanceTypes "
        "InstanceStorageSupported (moto's copy); regenerate with "
        "`python -m infra.instance_storage`",
        "instance_storage": {
            t: bool(ec2[t[3:]].get("InstanceStorageSupported"))
            for t in sagemaker_types
            if t[3:] in ec2
        },
    }


if __name__ == "__main__":
    TABLE.write_text(json.dumps(build_table(), indent=1, sort_keys=True) + "\n")
