"""The SageMaker scikit-learn image URI for the deploying region, resolved offline at synth."""

from __future__ import annotations

from functools import lru_cache

from aws_cdk import Aws, CfnMapping, CfnRule, CfnRuleAssertion, Fn, Stack
from constructs import Construct

FRAMEWORK_VERSION = "1.9-0"
MAPPING_ID = "SklearnImage"
RULE_ID = "SklearnImageRegion"
# Training and evaluation run the training image; endpoints run the inference image.
SCOPES = ("training", "inference")


@lru_cache(maxsize=1)
def image_uris_by_region() -> dict[str, str]:
    """Region → image URI for every region the sagemaker SDK publishes both images in."""
    from sagemaker.core import image_uris

    config = image_uris.config_for_framework("sklearn")
    regions = set.intersection(
        *(set(config[scope]["versions"][FRAMEWORK_VERSION]["registries"]) for scope in SCOPES)
    )
    return {
        region: image_uris.retrieve(
            "sklearn",
            region=region,
            version=FRAMEWORK_VERSION,
            instance_type="ml.m5.large",
            image_scope="inference",
        )
        for region in sorted(regions)
    }


def sklearn_image_uri(scope: Construct) -> str:
    """The image URI token for ``scope``'s stack; the mapping is added to that stack once.

    A template rule refuses a region without the image before anything is created,
    naming the problem, instead of a ``FindInMap`` failure halfway through a deploy.
    """
    stack = Stack.of(scope)
    mapping = stack.node.try_find_child(MAPPING_ID)
    if not isinstance(mapping, CfnMapping):
        uris = image_uris_by_region()
        mapping = CfnMapping(
            stack, MAPPING_ID, mapping={region: {"uri": uri} for region, uri in uris.items()}
        )
        CfnRule(
            stack,
            RULE_ID,
            assertions=[
                CfnRuleAssertion(
                    assert_=Fn.condition_contains(sorted(uris), Aws.REGION),
                    assert_description=(
                        f"SageMaker's scikit-learn {FRAMEWORK_VERSION} image is not published "
                        "in this region (see infra/constructs/sklearn_image.py)"
                    ),
                )
            ],
        )
    return mapping.find_in_map(Aws.REGION, "uri")
