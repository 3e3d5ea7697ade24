"""The SageMaker scikit-learn image URI for the deploying region, resolved offline at synth."""

from __future__ import annotations

from functools import lru_cache

from aws_cdk import Aws, CfnMapping, Stack
from constructs import Construct

FRAMEWORK_VERSION = "1.9-0"
MAPPING_ID = "SklearnImage"


@lru_cache(maxsize=1)
def image_uris_by_region() -> dict[str, str]:
    """Region → image URI for every region the sagemaker SDK knows (no network)."""
    from sagemaker.core import image_uris

    config = image_uris.config_for_framework("sklearn")
    regions = config["training"]["versions"][FRAMEWORK_VERSION]["registries"]
    return {
        region: image_uris.retrieve(
            "sklearn", region=region, version=FRAMEWORK_VERSION, instance_type="ml.m5.large"
        )
        for region in sorted(regions)
    }


def sklearn_image_uri(scope: Construct) -> str:
    """The image URI token for ``scope``'s stack; the mapping is added to that stack once."""
    stack = Stack.of(scope)
    mapping = stack.node.try_find_child(MAPPING_ID)
    if not isinstance(mapping, CfnMapping):
        mapping = CfnMapping(
            stack,
            MAPPING_ID,
            mapping={region: {"uri": uri} for region, uri in image_uris_by_region().items()},
        )
    return mapping.find_in_map(Aws.REGION, "uri")
