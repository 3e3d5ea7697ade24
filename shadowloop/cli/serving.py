"""Serving commands: what serves now, promotion and rollback, and calls to the API."""

from __future__ import annotations

import json
from typing import Any

import click

from shadowloop.cli.common import (
    CliError,
    console,
    local_cloud,
    port_options,
    progress,
    target_option,
)
from shadowloop.ops import serving
from shadowloop.ops.api import ApiError
from shadowloop.ops.target import Target


@click.command()
@target_option
def endpoint(target: Target) -> None:
    """Show what serves now: the champion (production) and challenger (shadow) models."""
    _show(serving.describe(target))


@click.command()
@target_option
def promote(target: Target) -> None:
    """Promote the shadow model to production (its package becomes Approved).

    SageMaker updates the endpoint in the background; the champion serves until then.
    """
    _show(serving.promote(target))


@click.command()
@target_option
def rollback(target: Target) -> None:
    """Restore the previous champion as the only production model (once the update lands)."""
    _show(serving.rollback(target))


@click.command()
@click.argument("source", type=click.File("r"))
@target_option
def predict(source: Any, target: Target) -> None:
    """Send records to POST /predict and print the answer.

    SOURCE is a JSON file (or - for stdin) holding a list of records or
    {"instances": [...]}. Against --target aws the request is signed with your
    AWS credentials (SigV4), as the IAM-protected API requires.
    """
    try:
        body = json.load(source)
    except json.JSONDecodeError as exc:
        raise CliError(f"{source.name} is not JSON: {exc}") from None
    instances = body.get("instances") if isinstance(body, dict) else body
    if not isinstance(instances, list):
        raise CliError(f'{source.name} must hold a list of records or {{"instances": [...]}}')
    _print_json(call_api(target, lambda api: api.predict(instances)))


@click.command()
@click.argument("inference_id")
@click.argument("actual")
@target_option
def feedback(inference_id: str, actual: str, target: Target) -> None:
    """Send the true outcome ACTUAL for a prediction's INFERENCE_ID to POST /feedback."""
    try:
        value: Any = json.loads(actual)
    except json.JSONDecodeError:
        value = actual
    _print_json(call_api(target, lambda api: api.feedback(inference_id, value)))


@click.command()
@port_options(api_default=8080, api_help="Port of the REST API on 127.0.0.1")
def serve(port: int, moto_port: int) -> None:
    """Serve the REST API on 127.0.0.1, on a local cloud started here.

    On a fresh machine it first trains and deploys the default model, so the
    first `curl` gets a real prediction. Stop with Ctrl-C.
    """
    from shadowloop.ops import bootstrap

    with local_cloud("serve", moto_port=moto_port, api_port=port) as running:
        with progress("checking for a deployed model") as step:
            bootstrap.ensure_model(running.target, on_step=step)
        console.print(f"API: [bold]{running.api_url}[/]  (local AWS endpoint {running.moto_url})")
        console.print(
            f"try: curl -s -X POST {running.api_url}/predict -H 'Content-Type: application/json' "
            "-d @examples/predict.json"
        )


def call_api(target: Target, call: Any) -> Any:
    """Run ``call`` on the target's API; an API error becomes a one-line CLI error."""
    client = serving.api_client(target)
    try:
        return call(client)
    except ApiError as exc:
        raise CliError(str(exc)) from None


def _show(state: Any) -> None:
    _print_json(state)
    status = serving.changing(state)
    if status:
        # On stderr, so the JSON above stays machine-readable.
        click.echo(
            f"the endpoint is {status}: the current config serves until the change lands "
            "(minutes); `shadowloop endpoint` shows its status",
            err=True,
        )


def _print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


__all__ = ["endpoint", "feedback", "predict", "promote", "rollback", "serve"]
