"""What serves now, promotion and rollback: the deploy function's actions, and the API."""

from __future__ import annotations

from typing import Any

from shadowloop.ops.api import ApiClient
from shadowloop.ops.target import Target, TargetError


def describe(target: Target) -> Any:
    """The endpoint's champion (production) and challenger (shadow) models."""
    return _deploy_action(target, "describe")


def promote(target: Target) -> Any:
    """Promote the shadow model to production; SageMaker changes the endpoint afterwards."""
    return _deploy_action(target, "promote")


def rollback(target: Target) -> Any:
    """Restore the previous champion as the only production model."""
    return _deploy_action(target, "rollback")


def changing(state: Any) -> str | None:
    """The endpoint's status while a change is in flight, else None."""
    status = state.get("status") if isinstance(state, dict) else None
    return status if status in ("Creating", "Updating") else None


def api_client(target: Target) -> ApiClient:
    """A client of the target's REST API, signed (SigV4) against a deployed stack."""
    if not target.api_url:
        raise TargetError(
            f"the {target.name} target has no API URL (is `shadowloop serve` running?)"
        )
    return ApiClient(target.api_url, session=target.session if target.sign_requests else None)


def _deploy_action(target: Target, action: str) -> Any:
    return target.invoke(target.output("DeployFunctionName"), {"action": action})
