"""The endpoint as a CloudFormation custom resource (CDK Provider framework).

Create and Update deploy the configured initial champion (and challenger) when
given; Delete removes the endpoint and the configs and models this function created.
SageMaker refuses to delete an endpoint while it is Creating or Updating, with the
same error code as for a missing one: Delete then fails (the stack stays, showing
the endpoint) instead of reporting a billing endpoint as gone; deleting again after
the change has finished succeeds.
An existing endpoint is adopted as it is on Create, and changed on Update only
when the configured packages changed, so promotions are not undone by a deploy.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from lambdas.deploy.actions import (
    Context,
    Deployment,
    EndpointBusy,
    InvalidDeployRequest,
    Target,
    apply_target,
    describe_deployment,
    is_in_progress,
    owned_names,
)
from lambdas.deploy.settings import EndpointOptions
from lambdas.shared import endpoint_state

CHAMPION_PROPERTY = "ChampionModelPackageArn"
CHALLENGER_PROPERTY = "ChallengerModelPackageArn"


def on_event(ctx: Context, event: dict[str, Any]) -> dict[str, Any]:
    """Answer one Provider-framework event with the physical id and attributes."""
    request_type = event.get("RequestType")
    if request_type == "Delete":
        endpoint_name = event.get("PhysicalResourceId") or ctx.options.endpoint_name
        tear_down(ctx, endpoint_name)
        return {"PhysicalResourceId": endpoint_name}
    if request_type not in ("Create", "Update"):
        raise InvalidDeployRequest(f"RequestType: {request_type!r} is not Create, Update or Delete")
    wanted = _packages(event.get("ResourceProperties"))
    changed = request_type == "Update" and wanted != _packages(event.get("OldResourceProperties"))
    deployment = _initial_deployment(ctx, wanted, changed=changed)
    return {"PhysicalResourceId": ctx.options.endpoint_name, "Data": _data(deployment)}


def tear_down(ctx: Context, endpoint_name: str) -> None:
    """Delete the endpoint, then every config and model named as this function names them."""
    try:
        _ignore_missing(ctx.sagemaker.delete_endpoint, EndpointName=endpoint_name)
    except ClientError as exc:
        if not is_in_progress(exc):
            raise
        # Its configs stay too: SageMaker needs them until the change has finished.
        raise EndpointBusy(
            f"endpoint {endpoint_name} is being created or updated and SageMaker refuses to "
            "delete it until that finishes; delete again in a few minutes"
        ) from None
    options = ctx.options
    for name in owned_names(
        ctx.sagemaker.list_endpoint_configs,
        "EndpointConfigs",
        "EndpointConfigName",
        options.config_prefix,
        _config_pattern(options),
    ):
        _ignore_missing(ctx.sagemaker.delete_endpoint_config, EndpointConfigName=name)
    for name in owned_names(
        ctx.sagemaker.list_models,
        "Models",
        "ModelName",
        options.model_prefix,
        _model_pattern(options),
    ):
        _ignore_missing(ctx.sagemaker.delete_model, ModelName=name)


def _initial_deployment(
    ctx: Context, wanted: tuple[str | None, str | None], *, changed: bool
) -> Deployment:
    champion, challenger = wanted
    if not champion:
        if challenger:
            raise InvalidDeployRequest(f"{CHALLENGER_PROPERTY} needs a {CHAMPION_PROPERTY}")
        return describe_deployment(ctx)
    if challenger and ctx.options.serverless:
        raise InvalidDeployRequest(
            f"{CHALLENGER_PROPERTY}: serverless endpoints cannot host a challenger shadow variant"
        )
    current = endpoint_state.describe(ctx.sagemaker, ctx.options.endpoint_name)
    if current is not None and not changed:
        return describe_deployment(ctx)
    replaced = current.champion.model_package_arn if current else None
    previous = replaced if replaced != champion else None
    return apply_target(ctx, Target(champion, challenger, previous), current)


def _packages(properties: dict[str, Any] | None) -> tuple[str | None, str | None]:
    properties = properties or {}
    return (
        properties.get(CHAMPION_PROPERTY) or None,
        properties.get(CHALLENGER_PROPERTY) or None,
    )


def _data(deployment: Deployment) -> dict[str, str]:
    # CloudFormation attributes are strings; an absent package is "".
    return {
        "EndpointName": deployment.endpoint_name,
        "EndpointConfigName": deployment.endpoint_config_name or "",
        "Champion": deployment.champion or "",
        "Challenger": deployment.challenger or "",
        "Operation": deployment.operation,
    }


def _config_pattern(options: EndpointOptions) -> re.Pattern[str]:
    return re.compile(re.escape(options.config_prefix) + r"\d{8}-\d{6}-\d{6}")


def _model_pattern(options: EndpointOptions) -> re.Pattern[str]:
    return re.compile(re.escape(options.model_prefix) + r"\d+-[0-9a-f]{8}")


def _ignore_missing(call: Any, **kwargs: Any) -> None:
    """Make the call; a resource that is already gone is fine, any other refusal is not."""
    try:
        call(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ResourceNotFound":
            return
        if error.get("Code") == "ValidationException" and "Could not find" in error.get(
            "Message", ""
        ):
            return
        raise
