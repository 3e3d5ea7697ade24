"""Endpoint changes take time, as on SageMaker: Creating/Updating, then InService or not.

CreateEndpoint and UpdateEndpoint return at once. The endpoint stays Creating or
Updating until :data:`CHANGE_SECONDS` have passed on the local cloud's clock; the
first call that looks at it after that finishes the change. Finishing starts the new
config's containers for real: each variant's model artifact is loaded by its
inference script. If one cannot start, a new endpoint ends ``Failed`` and an update
falls back to the config it had, ``InService``, with a ``FailureReason``.

While a change is in flight the old config keeps serving, and UpdateEndpoint and
DeleteEndpoint are refused with SageMaker's ``Cannot update in-progress endpoint``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend

from shadowloop.localcloud import shadow_variants
from shadowloop.localcloud.access.principals import acting_as

# SageMaker takes 5-15 minutes for either; the local cloud takes the short end.
CHANGE_SECONDS = 300
IN_PROGRESS = frozenset({"Creating", "Updating"})
# Starts one variant's container (backend, variant), or raises with why it cannot start.
VariantStarter = Callable[[SageMakerModelBackend, dict[str, Any]], None]


@dataclass(frozen=True)
class Change:
    """A create or update in flight: the config it brings and when it is done."""

    kind: str
    config_name: str
    ready_at: datetime
    retain_all_variant_properties: bool = False
    deployment_config: dict[str, Any] | None = None


class EndpointChanges:
    """The changes in flight, by endpoint ARN, finished lazily against ``clock``."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        start_variant: VariantStarter,
        duration: timedelta = timedelta(seconds=CHANGE_SECONDS),
    ) -> None:
        self.clock = clock
        self.start_variant = start_variant
        self.duration = duration
        # Test hook: called with (endpoint name, config name) when an update is accepted,
        # as the account's administrator (a fault from outside, not the caller's doing).
        self.on_update_accepted: Callable[[str, str], None] | None = None
        self._pending: dict[str, Change] = {}
        self._lock = threading.RLock()

    def created(self, endpoint: FakeEndpoint) -> None:
        """A new endpoint starts out Creating."""
        with self._lock:
            endpoint.endpoint_status = "Creating"
            self._pending[endpoint.arn] = Change(
                "create", endpoint.endpoint_config_name, self.clock() + self.duration
            )

    def update(
        self,
        backend: SageMakerModelBackend,
        endpoint_name: str,
        endpoint_config_name: str,
        retain_all_variant_properties: bool = False,
        deployment_config: dict[str, Any] | None = None,
    ) -> FakeEndpoint:
        """Accept an update, or refuse it as SageMaker does."""
        with self._lock:
            endpoint = self.settle(backend, endpoint_name)
            if endpoint is None:
                raise shadow_variants.endpoint_not_found(backend, endpoint_name)
            shadow_variants.find_config(backend, endpoint_config_name)
            _refuse_unless_settled(endpoint)
            now = self.clock()
            endpoint.endpoint_status = "Updating"
            endpoint.failure_reason = None
            endpoint.pending_deployment_summary = {
                "EndpointConfigName": endpoint_config_name,
                "StartTime": now,
            }
            endpoint.last_modified_time = utcnow()
            self._pending[endpoint.arn] = Change(
                "update",
                endpoint_config_name,
                now + self.duration,
                retain_all_variant_properties,
                deployment_config,
            )
        if self.on_update_accepted is not None:
            with acting_as(None):
                self.on_update_accepted(endpoint_name, endpoint_config_name)
        return endpoint

    def delete(
        self, backend: SageMakerModelBackend, endpoint_name: str, delete: Callable[[str], None]
    ) -> None:
        """Delete through moto's ``delete``, unless a change is in flight."""
        with self._lock:
            endpoint = self.settle(backend, endpoint_name)
            if endpoint is not None and endpoint.endpoint_status in IN_PROGRESS:
                raise _in_progress(endpoint)
            delete(endpoint_name)
            if endpoint is not None:
                self._pending.pop(endpoint.arn, None)

    def settle(self, backend: SageMakerModelBackend, endpoint_name: str) -> FakeEndpoint | None:
        """The endpoint as it is now: a change whose time has come is finished first."""
        with self._lock:
            endpoint = backend.endpoints.get(endpoint_name)
            if endpoint is None:
                return None
            change = self._pending.get(endpoint.arn)
            if change is not None and self.clock() >= change.ready_at:
                del self._pending[endpoint.arn]
                self._finish(backend, endpoint, change)
            return endpoint

    def settle_all(self, backend: SageMakerModelBackend) -> None:
        for name in list(backend.endpoints):
            self.settle(backend, name)

    def in_flight(self) -> bool:
        with self._lock:
            return bool(self._pending)

    def _finish(
        self, backend: SageMakerModelBackend, endpoint: FakeEndpoint, change: Change
    ) -> None:
        config = backend.endpoint_configs.get(change.config_name)
        if config is None:  # deleted while the change was in flight
            reason = f"Could not find endpoint configuration {change.config_name}."
        else:
            reason = self._start_failure(backend, config)
        endpoint.pending_deployment_summary = None
        endpoint.last_modified_time = utcnow()
        if reason is None:
            shadow_variants.apply_config(
                backend,
                endpoint,
                config,
                retain_all_variant_properties=change.retain_all_variant_properties,
                deployment_config=change.deployment_config,
            )
            endpoint.endpoint_status = "InService"
            return
        # A failed update leaves the old config serving; a failed create has nothing to serve.
        endpoint.endpoint_status = "Failed" if change.kind == "create" else "InService"
        endpoint.failure_reason = reason[:1024]

    def _start_failure(self, backend: SageMakerModelBackend, config: Any) -> str | None:
        """Why one of the config's containers cannot start, or None when all of them start."""
        variants = [("production variant", v) for v in config.production_variants]
        shadow = shadow_variants.shadow_of(config)
        if shadow is not None:
            variants.append(("shadow production variant", shadow))
        for kind, variant in variants:
            try:
                self.start_variant(backend, variant)
            except Exception as exc:  # the container's own failure is the reason
                return (
                    f"The primary container for {kind} {variant['VariantName']} did not pass "
                    f"the ping health check: {exc}. Please check CloudWatch logs for this endpoint."
                )
        return None


def _refuse_unless_settled(endpoint: FakeEndpoint) -> None:
    if endpoint.endpoint_status in IN_PROGRESS:
        raise _in_progress(endpoint)
    if endpoint.endpoint_status == "Failed":
        # "DeleteEndpoint is the only operation that can be performed on a failed endpoint."
        raise ValidationError(message=f'Cannot update failed endpoint "{endpoint.arn}".')


def _in_progress(endpoint: FakeEndpoint) -> ValidationError:
    return ValidationError(message=f'Cannot update in-progress endpoint "{endpoint.arn}".')
