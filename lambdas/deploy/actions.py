"""Changes to the endpoint: the deploy function is its one owner.

Every change builds a new endpoint config (champion in production, challenger in
shadow) and points the endpoint at it; the config's tags say which packages it
serves and which champion a rollback restores. SageMaker applies a change in the
background: the answer says Creating or Updating, the old config serves meanwhile,
and the caller (the pipeline's wait loop) checks that it landed.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.deploy.requests import (
    TAG_PREVIOUS_CHAMPION,
    build_deployment_config,
    build_endpoint_config,
    build_model,
    build_tags,
    endpoint_config_name,
    model_name,
)
from lambdas.deploy.settings import EndpointOptions
from lambdas.shared import endpoint_state
from lambdas.shared.endpoint_state import EndpointState

logger = logging.getLogger(__name__)

# SageMaker refuses a new config while the endpoint is in one of these states;
# the state machine retries on EndpointBusy.
BUSY_STATUSES = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})
# How SageMaker words that refusal (a ValidationException, like a missing endpoint).
IN_PROGRESS_MESSAGE = "Cannot update in-progress endpoint"


class DeployError(Exception):
    """A deploy request that cannot be carried out; the message says why."""


class InvalidDeployRequest(DeployError):
    """The request names something that does not exist or does not fit."""


class EndpointBusy(DeployError):
    """The endpoint is being created or updated; try again later."""


class NothingToPromote(DeployError):
    """There is no challenger to promote."""


class NothingToRetire(DeployError):
    """There is no challenger to retire."""


class NothingToRollBack(DeployError):
    """The current config names no previous champion."""


@dataclass(frozen=True)
class Deployment:
    """What the endpoint serves after a request, and what the request did."""

    endpoint_name: str
    endpoint_config_name: str | None
    champion: str | None
    challenger: str | None
    operation: str
    """create, update, unchanged, or none (a read)."""
    status: str | None = None
    failure_reason: str | None = None
    """Why the last change failed, when it did (the endpoint kept its config)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Target:
    """The model packages a new config should serve."""

    champion: str
    challenger: str | None
    previous_champion: str | None


@dataclass(frozen=True)
class Context:
    """What every change needs: the client, the options, a clock and a name suffix."""

    sagemaker: Any
    options: EndpointOptions
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    suffix: Callable[[], str] = lambda: uuid.uuid4().hex[:8]


def deploy_candidate(ctx: Context, model_package_arn: str) -> Deployment:
    """A new candidate: champion of a new endpoint, else challenger beside the champion.

    Serverless endpoints cannot host a shadow, so there the candidate replaces
    the champion directly (and rollback can restore the one it replaced).
    """
    _package_version(ctx, model_package_arn)
    current = _ready_state(ctx)
    if current is None:
        return apply_target(ctx, Target(model_package_arn, None, None), None)
    champion = current.champion.model_package_arn
    challenger = current.challenger.model_package_arn if current.challenger else None
    if model_package_arn in (champion, challenger):
        return _deployment(current, "unchanged")
    if ctx.options.serverless or champion is None:
        target = Target(model_package_arn, None, champion)
    else:
        previous = _config_tags(ctx, current.endpoint_config_name).get(TAG_PREVIOUS_CHAMPION)
        target = Target(champion, model_package_arn, previous)
    return apply_target(ctx, target, current)


def promote(ctx: Context) -> Deployment:
    """The challenger becomes champion (Approved); the old champion is kept for rollback."""
    current = _ready_state(ctx)
    challenger = _challenger_package(current, NothingToPromote, "promote", ctx)
    previous = current.champion.model_package_arn
    deployment = apply_target(ctx, Target(challenger, None, previous), current)
    ctx.sagemaker.update_model_package(
        ModelPackageArn=challenger,
        ModelApprovalStatus="Approved",
        ApprovalDescription=f"promoted over champion {previous}",
    )
    return deployment


def retire(ctx: Context) -> Deployment:
    """The challenger is dropped from the endpoint and its package Rejected."""
    current = _ready_state(ctx)
    challenger = _challenger_package(current, NothingToRetire, "retire", ctx)
    champion = _champion_package(current)
    previous = _config_tags(ctx, current.endpoint_config_name).get(TAG_PREVIOUS_CHAMPION)
    deployment = apply_target(ctx, Target(champion, None, previous), current)
    ctx.sagemaker.update_model_package(
        ModelPackageArn=challenger,
        ModelApprovalStatus="Rejected",
        ApprovalDescription=f"retired in shadow beside champion {champion}",
    )
    return deployment


def roll_back(ctx: Context) -> Deployment:
    """The previous champion serves again; the current one becomes the previous."""
    current = _ready_state(ctx)
    if current is None:
        raise NothingToRollBack(f"endpoint {ctx.options.endpoint_name} does not exist")
    previous = _config_tags(ctx, current.endpoint_config_name).get(TAG_PREVIOUS_CHAMPION)
    if not previous:
        raise NothingToRollBack(
            f"endpoint config {current.endpoint_config_name} names no previous champion"
        )
    target = Target(previous, None, current.champion.model_package_arn)
    return apply_target(ctx, target, current)


def describe_deployment(ctx: Context) -> Deployment:
    """The current champion, challenger, config and status, without changes."""
    current = endpoint_state.describe(ctx.sagemaker, ctx.options.endpoint_name)
    if current is None:
        return Deployment(ctx.options.endpoint_name, None, None, None, "none", "NotFound")
    return _deployment(current, "none")


def apply_target(ctx: Context, target: Target, current: EndpointState | None) -> Deployment:
    """Create the models and config for ``target`` and point the endpoint at them."""
    options = ctx.options
    if target.challenger and options.serverless:
        raise InvalidDeployRequest("serverless endpoints cannot host a challenger shadow variant")
    champion_model = _model_for(ctx, target.champion)
    challenger_model = _model_for(ctx, target.challenger) if target.challenger else None
    config_name = endpoint_config_name(options.project, ctx.now())
    tags = build_tags(
        champion=target.champion,
        challenger=target.challenger,
        previous_champion=target.previous_champion,
    )
    ctx.sagemaker.create_endpoint_config(
        **build_endpoint_config(
            name=config_name,
            champion_model=champion_model,
            challenger_model=challenger_model,
            tags=tags,
            options=options,
        )
    )
    if current is None:
        ctx.sagemaker.create_endpoint(
            EndpointName=options.endpoint_name, EndpointConfigName=config_name
        )
        operation = "create"
    else:
        _update_endpoint(ctx, config_name, shadow=challenger_model is not None)
        operation = "update"
    logger.info(
        "endpoint %s: %s to config %s (champion %s, challenger %s)",
        options.endpoint_name,
        operation,
        config_name,
        target.champion,
        target.challenger,
    )
    return Deployment(
        endpoint_name=options.endpoint_name,
        endpoint_config_name=config_name,
        champion=target.champion,
        challenger=target.challenger,
        operation=operation,
        status="Creating" if current is None else "Updating",
    )


def _update_endpoint(ctx: Context, config_name: str, *, shadow: bool) -> None:
    request = {"EndpointName": ctx.options.endpoint_name, "EndpointConfigName": config_name}
    deployment = build_deployment_config(ctx.options, shadow=shadow)
    if deployment is not None:
        try:
            ctx.sagemaker.update_endpoint(**request, DeploymentConfig=deployment)
            return
        except ClientError as exc:
            _raise_if_in_progress(exc, ctx.options.endpoint_name)
            # Guardrails have feature exclusions; a change they refuse still has to
            # land, so it lands as a plain update and the refusal is logged.
            if exc.response.get("Error", {}).get("Code") != "ValidationException":
                raise
            logger.warning("guarded update refused, updating without guardrails: %s", exc)
    try:
        ctx.sagemaker.update_endpoint(**request)
    except ClientError as exc:
        _raise_if_in_progress(exc, ctx.options.endpoint_name)
        raise


def is_in_progress(exc: ClientError) -> bool:
    """SageMaker refused because a create or update of the endpoint is still running."""
    error = exc.response.get("Error", {})
    return error.get("Code") == "ValidationException" and IN_PROGRESS_MESSAGE in error.get(
        "Message", ""
    )


def _raise_if_in_progress(exc: ClientError, endpoint_name: str) -> None:
    # Another change started between our describe and this update.
    if is_in_progress(exc):
        raise EndpointBusy(f"endpoint {endpoint_name} is being changed: {exc}") from None


def _ready_state(ctx: Context) -> EndpointState | None:
    current = endpoint_state.describe(ctx.sagemaker, ctx.options.endpoint_name)
    if current is not None and current.status in BUSY_STATUSES:
        raise EndpointBusy(f"endpoint {current.endpoint_name} is {current.status}")
    if current is not None and current.status == "Failed":
        # SageMaker allows only DeleteEndpoint on a Failed endpoint.
        raise InvalidDeployRequest(
            f"endpoint {current.endpoint_name} is Failed and can only be deleted"
        )
    return current


def _challenger_package(
    current: EndpointState | None, error: type[DeployError], verb: str, ctx: Context
) -> str:
    if current is None:
        raise error(f"endpoint {ctx.options.endpoint_name} does not exist")
    if current.challenger is None:
        raise error(f"endpoint {current.endpoint_name} has no challenger to {verb}")
    if not current.challenger.model_package_arn:
        raise error(f"challenger model {current.challenger.model_name} has no model package")
    return current.challenger.model_package_arn


def _champion_package(current: EndpointState) -> str:
    if not current.champion.model_package_arn:
        raise InvalidDeployRequest(
            f"champion model {current.champion.model_name} has no model package"
        )
    return current.champion.model_package_arn


def _package_version(ctx: Context, model_package_arn: str) -> int:
    """The package's version in its group; the error names a missing or foreign package."""
    if not isinstance(model_package_arn, str) or ":model-package/" not in model_package_arn:
        raise InvalidDeployRequest(f"model_package_arn: {model_package_arn!r} is not a package ARN")
    try:
        package = ctx.sagemaker.describe_model_package(ModelPackageName=model_package_arn)
    except ClientError as exc:
        raise InvalidDeployRequest(
            f"model package {model_package_arn} not found: {exc.response['Error'].get('Message')}"
        ) from None
    group = package.get("ModelPackageGroupName")
    if group and group != ctx.options.model_package_group:
        raise InvalidDeployRequest(
            f"model package {model_package_arn} belongs to group {group}, "
            f"not {ctx.options.model_package_group}"
        )
    return int(package.get("ModelPackageVersion") or model_package_arn.rsplit("/", 1)[-1])


def _model_for(ctx: Context, model_package_arn: str) -> str:
    """The SageMaker Model serving a package: an existing one of ours, else a new one."""
    version = _package_version(ctx, model_package_arn)
    prefix = model_name(ctx.options.project, version, "")
    for name in _list_names(ctx.sagemaker.list_models, "Models", "ModelName", prefix):
        if endpoint_state.model_package_of(ctx.sagemaker, name) == model_package_arn:
            return name
    name = model_name(ctx.options.project, version, ctx.suffix())
    ctx.sagemaker.create_model(
        **build_model(name=name, model_package_arn=model_package_arn, role_arn=ctx.options.role_arn)
    )
    return name


def _config_tags(ctx: Context, config_name: str) -> dict[str, str]:
    arn = ctx.sagemaker.describe_endpoint_config(EndpointConfigName=config_name)[
        "EndpointConfigArn"
    ]
    tags = ctx.sagemaker.list_tags(ResourceArn=arn).get("Tags", [])
    return {tag["Key"]: tag["Value"] for tag in tags}


def _list_names(list_call: Any, key: str, field: str, prefix: str) -> Iterator[str]:
    """Names from a paginated SageMaker list call that start with ``prefix``."""
    token: str | None = None
    while True:
        page = list_call(NameContains=prefix, **({"NextToken": token} if token else {}))
        for item in page.get(key, []):
            if item[field].startswith(prefix):
                yield item[field]
        token = page.get("NextToken")
        if not token:
            return


def owned_names(
    list_call: Any, key: str, field: str, prefix: str, pattern: re.Pattern[str]
) -> list[str]:
    """Names from a SageMaker list call that this function created (by name pattern)."""
    return [name for name in _list_names(list_call, key, field, prefix) if pattern.fullmatch(name)]


def _deployment(current: EndpointState, operation: str) -> Deployment:
    return Deployment(
        endpoint_name=current.endpoint_name,
        endpoint_config_name=current.endpoint_config_name,
        champion=current.champion.model_package_arn,
        challenger=current.challenger.model_package_arn if current.challenger else None,
        operation=operation,
        status=current.status,
        failure_reason=current.failure_reason,
    )
