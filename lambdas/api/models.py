"""The models behind the endpoint: their registry packages, metrics and lineage."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambdas.api import errors
from lambdas.shared import endpoint_state, registry
from lambdas.shared.endpoint_state import EndpointState, Variant

# CustomerMetadataProperties keys written at registration, grouped for the caller.
METRIC_KEYS = {
    "metric": "metric",
    "metric_value": "value",
    "champion_metric_value": "champion_value",
}
LINEAGE_KEYS = (
    "dataset",
    "dataset_uri",
    "version_id",
    "snapshot_uri",
    "code_version",
    "trigger",
    "run_id",
    "evaluation_uri",
    "baseline_uri",
    "calibration_uri",
    "bias_report_uri",
)
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class ModelPackage:
    arn: str | None
    version: int | None
    approval_status: str | None
    metrics: dict[str, Any]
    lineage: dict[str, Any]
    fairness: dict[str, Any] | None = None

    def describe(self, variant: str) -> dict[str, Any]:
        """The package as GET /model shows it for one endpoint variant."""
        return {
            "variant": variant,
            "model_package_arn": self.arn,
            "version": self.version,
            "approval_status": self.approval_status,
            "metrics": self.metrics,
            "fairness": self.fairness,
            "lineage": self.lineage,
        }


def describe_package(sagemaker: Any, arn: str) -> ModelPackage:
    """A registry package with its metrics and lineage from its customer metadata."""
    package = sagemaker.describe_model_package(ModelPackageName=arn)
    metadata = package.get("CustomerMetadataProperties") or {}
    metrics = {
        name: registry.from_property(key, metadata.get(key)) for key, name in METRIC_KEYS.items()
    }
    return ModelPackage(
        arn=arn,
        version=package.get("ModelPackageVersion"),
        approval_status=package.get("ModelApprovalStatus"),
        metrics=metrics,
        lineage={key: registry.from_property(key, metadata.get(key)) for key in LINEAGE_KEYS},
        fairness=registry.fairness_of(metadata.get("fairness")),
    )


def summary(sagemaker: Any, endpoint_name: str) -> dict[str, Any]:
    """What the endpoint serves now: the production model and the shadow model, if any."""
    state = endpoint_state.describe(sagemaker, endpoint_name)
    if state is None:
        raise errors.ModelNotDeployed(f"endpoint '{endpoint_name}' does not exist yet")
    return {
        "endpoint": endpoint_name,
        "status": state.status,
        "production": _variant_summary(sagemaker, state.champion),
        "shadow": _variant_summary(sagemaker, state.challenger) if state.challenger else None,
    }


class ServedModels:
    """Which package answered a prediction, cached so warm calls cost no API call.

    The endpoint state is kept for ``ttl`` seconds; packages are kept per endpoint
    config, which a promotion always replaces, so a new config means fresh lookups.
    """

    def __init__(self, ttl: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._states: dict[str, tuple[float, EndpointState]] = {}
        self._packages: dict[tuple[str, str], ModelPackage | None] = {}

    def package(self, sagemaker: Any, endpoint_name: str, variant: str) -> ModelPackage | None:
        """The package behind ``variant``; None when its model has no registry package."""
        state = self._state(sagemaker, endpoint_name, fresh=False)
        found = _find_variant(state, variant)
        if found is None:
            # The endpoint moved to a new config since the state was cached.
            state = self._state(sagemaker, endpoint_name, fresh=True)
            found = _find_variant(state, variant)
        if found is None or found.model_package_arn is None:
            return None
        key = (state.endpoint_config_name, variant)
        if key not in self._packages:
            self._packages[key] = describe_package(sagemaker, found.model_package_arn)
        return self._packages[key]

    def clear(self) -> None:
        self._states.clear()
        self._packages.clear()

    def _state(self, sagemaker: Any, endpoint_name: str, *, fresh: bool) -> EndpointState:
        now = self._clock()
        cached = self._states.get(endpoint_name)
        if cached and not fresh and cached[0] > now:
            return cached[1]
        state = endpoint_state.describe(sagemaker, endpoint_name)
        if state is None:
            raise errors.EndpointMissing(f"endpoint '{endpoint_name}' does not exist yet")
        self._states[endpoint_name] = (now + self._ttl, state)
        return state


def _find_variant(state: EndpointState, name: str) -> Variant | None:
    for variant in (state.champion, state.challenger):
        if variant is not None and variant.name == name:
            return variant
    return None


def _variant_summary(sagemaker: Any, variant: Variant) -> dict[str, Any]:
    if variant.model_package_arn is None:
        # A model created outside the registry: same shape, nothing known about it.
        unknown = ModelPackage(arn=None, version=None, approval_status=None, metrics={}, lineage={})
        return unknown.describe(variant.name)
    return describe_package(sagemaker, variant.model_package_arn).describe(variant.name)
