"""Narrow cdk-nag suppressions shared by the constructs."""

from __future__ import annotations

from cdk_nag import NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import IConstruct

# What grant_* methods emit: action families (s3:GetObject*, kms:ReEncrypt*) and object keys.
GRANT_ACTIONS = r"^Action::(s3|kms|dynamodb|sagemaker|logs|xray):[A-Za-z]*\*$"
OBJECT_KEYS = r"^Resource::.*/\*$"
GRANT_WILDCARDS = (GRANT_ACTIONS, OBJECT_KEYS)

# Invoking any version of a function: "<Fn.Arn>:*", or an imported ARN from another stack.
FUNCTION_VERSIONS = r"^Resource::(<.*\.Arn>|.*ExportsOutputFnGetAtt.*Arn.*):\*$"


def suppress_wildcards(construct: IConstruct, reason: str, *patterns: str) -> None:
    """Allow IAM5 only for the wildcard findings matching ``patterns`` (regexes), with a reason."""
    NagSuppressions.add_resource_suppressions(
        construct,
        [
            NagPackSuppression(
                id="AwsSolutions-IAM5",
                reason=reason,
                applies_to=[RegexAppliesTo(regex=f"/{p}/g") for p in patterns],
            )
        ],
        apply_to_children=True,
    )


def suppress(construct: IConstruct, rule: str, reason: str) -> None:
    """Suppress one cdk-nag rule on ``construct`` and its children, with a reason."""
    NagSuppressions.add_resource_suppressions(
        construct,
        [NagPackSuppression(id=f"AwsSolutions-{rule}", reason=reason)],
        apply_to_children=True,
    )


# Any resource: calls that support no resource scope (X-Ray, List*, GetMetricData).
ANY_RESOURCE = r"^Resource::\*$"

# The group's model packages: "model-package/<group>/*".
MODEL_PACKAGES = r"^Resource::arn:.*:sagemaker:.*:model-package/.*/\*$"


def project_serving(prefix: str) -> str:
    """The project's endpoint, endpoint configs and models: "<resource>/<prefix>-*"."""
    return r"^Resource::arn:.*:sagemaker:.*:(endpoint|endpoint-config|model)/" + prefix + r"-\*$"
