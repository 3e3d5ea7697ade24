"""The deploy function's events: pipeline and promotion actions, and custom-resource events."""

from __future__ import annotations

from typing import Any

from lambdas.deploy import actions, custom_resource
from lambdas.deploy.actions import Context, InvalidDeployRequest

ACTIONS = ("deploy", "promote", "retire", "rollback", "describe")


def handle_event(ctx: Context, event: Any) -> dict[str, Any]:
    """Route one event to its action; the answer is the resulting deployment."""
    if not isinstance(event, dict):
        raise InvalidDeployRequest("event: expected a JSON object")
    if "RequestType" in event:
        return custom_resource.on_event(ctx, event)
    action = event.get("action")
    if action == "deploy":
        arn = event.get("model_package_arn")
        if not isinstance(arn, str) or not arn:
            raise InvalidDeployRequest("model_package_arn: missing; name the package to deploy")
        return actions.deploy_candidate(ctx, arn).to_dict()
    if action == "promote":
        return actions.promote(ctx).to_dict()
    if action == "retire":
        return actions.retire(ctx).to_dict()
    if action == "rollback":
        return actions.roll_back(ctx).to_dict()
    if action == "describe":
        return actions.describe_deployment(ctx).to_dict()
    raise InvalidDeployRequest(f"action: {action!r} is not one of {', '.join(ACTIONS)}")
