"""UpdateModelPackage as SageMaker answers it, on moto's model registry.

SageMaker changes only what an update names: ``CustomerMetadataProperties`` entries are
added to or replace the package's own, and an omitted approval status or description
stays. moto replaces the whole metadata and clears what is omitted, so a promotion
would erase a package's lineage and who approved it; :func:`merged_update` keeps them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def merged_update(original: Callable[..., str]) -> Callable[..., str]:
    """``SageMakerModelBackend.update_model_package`` that keeps what the request omits."""

    def update_model_package(backend: Any, **request: Any) -> str:
        arn = request["model_package_arn"]
        package = backend.model_packages.get(backend.model_package_name_mapping.get(arn, arn))
        if package is not None:
            if request.get("model_approval_status") is None:
                request["model_approval_status"] = package.model_approval_status
            if request.get("approval_description") is None:
                request["approval_description"] = package.approval_description
            merged = {
                **(package.customer_metadata_properties or {}),
                **(request.get("customer_metadata_properties") or {}),
            }
            request["customer_metadata_properties"] = merged or None
        return original(backend, **request)

    return update_model_package
