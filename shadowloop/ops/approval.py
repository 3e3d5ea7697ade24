"""Manual approval of model packages: who decided, when and why, kept on the package.

The decision is the package's ``ModelApprovalStatus`` plus ``ApprovalDescription``
(the reason), and the ``approved_by``/``approved_at``/``approval_reason`` entries of its
``CustomerMetadataProperties`` (:data:`lambdas.shared.registry.APPROVAL_PROPERTIES`),
which stay when a later promotion rewrites the description.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from infra.limits import misfit
from lambdas.shared import registry
from shadowloop.ops.target import Target

APPROVED = "Approved"
REJECTED = "Rejected"


def resolve_package(sagemaker: Any, group: str, package: str) -> str:
    """The ARN of ``package``: an ARN as given, or a version number of ``group``."""
    if package.startswith("arn:"):
        owner = registry.describe_lineage(sagemaker, package)["group"]
        if owner != group:
            raise ValueError(f"{package} belongs to {owner}, not to this project's {group}")
        return package
    if not package.isdigit():
        raise ValueError(
            f"PACKAGE {package!r} is neither a model package ARN nor a version number of {group}"
        )
    for summary in registry.package_summaries(sagemaker, group):
        if summary.get("ModelPackageVersion") == int(package):
            return summary["ModelPackageArn"]
    raise ValueError(f"{group} has no model package version {package}")


def check_reason(reason: str) -> str:
    """The reason as SageMaker stores metadata values; a one-line error when it cannot be."""
    reason = reason.strip()
    if not reason:
        raise ValueError("--reason is empty: say why")
    if len(reason) > registry.MAX_PROPERTY_LENGTH:
        raise ValueError(
            f"--reason is {len(reason)} characters; SageMaker keeps "
            f"{registry.MAX_PROPERTY_LENGTH} in package metadata"
        )
    refused = sorted({c for c in reason if misfit("sagemaker", "CustomerMetadataValue", c)})
    if refused:
        raise ValueError(
            f"--reason holds {' '.join(repr(c) for c in refused)}: SageMaker's package metadata "
            "takes only letters, digits, spaces and _ . : / = + - @"
        )
    return reason


def decide(
    sagemaker: Any,
    sts: Any,
    arn: str,
    *,
    status: str,
    reason: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Set the package's approval ``status``, recording the caller, the time and ``reason``."""
    reason = check_reason(reason)
    who = sts.get_caller_identity()["Arn"]
    problem = misfit("sagemaker", "CustomerMetadataValue", who)
    if problem:
        raise ValueError(f"your identity {who} {problem}; it cannot be recorded as the approver")
    when = now().astimezone(UTC).isoformat(timespec="seconds")
    # SageMaker adds these entries to the package's own, so its lineage stays.
    properties = {"approved_by": who, "approved_at": when, "approval_reason": reason}
    description = f"{reason} ({status.lower()} by {who} at {when})"
    if misfit("sagemaker", "ApprovalDescription", description):
        description = reason
    sagemaker.update_model_package(
        ModelPackageArn=arn,
        ModelApprovalStatus=status,
        ApprovalDescription=description,
        CustomerMetadataProperties=properties,
    )
    lineage = registry.describe_lineage(sagemaker, arn)
    return {
        "model_package_arn": arn,
        "version": lineage["version"],
        "approval_status": lineage["approval_status"],
        "approval_description": lineage["approval_description"],
        **{name: lineage[name] for name in registry.APPROVAL_PROPERTIES},
    }


def record(target: Target, package: str, *, reject: bool, reason: str) -> dict[str, Any]:
    """Approve (or reject) ``package``, an ARN or a version number, as the caller."""
    sagemaker = target.client("sagemaker")
    arn = resolve_package(sagemaker, target.output("ModelPackageGroupName"), package)
    return decide(
        sagemaker,
        target.client("sts"),
        arn,
        status=REJECTED if reject else APPROVED,
        reason=reason,
    )
