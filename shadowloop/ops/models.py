"""The model registry as a user reads it: packages newest first, with lineage and approval."""

from __future__ import annotations

from typing import Any

from lambdas.shared import registry
from shadowloop.ops.target import Target


def list_models(target: Target, *, limit: int = 20) -> list[dict[str, Any]]:
    """The newest ``limit`` model packages of the target's group, newest first."""
    return registry.list_packages(
        target.client("sagemaker"), target.output("ModelPackageGroupName"), limit=limit
    )


def decided_by_hand(packages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The packages someone approved or rejected, with who, when and why."""
    return [p for p in packages if p.get("approved_by")]
