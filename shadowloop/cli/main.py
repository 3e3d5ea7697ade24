"""The ``shadowloop`` command."""

from __future__ import annotations

import importlib
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError

from infra.config import ConfigError
from shadowloop.cli.common import CliError
from shadowloop.ops.target import TargetError

# Errors a user can act on: shown as one line, never as a traceback.
_USER_ERRORS = (TargetError, ConfigError, ClientError, BotoCoreError, OSError, ValueError)


# Each command and where it lives: a command imports its module only when it runs, so one
# command does not pay for every other's imports (pandas, the local cloud).
_COMMANDS = {
    "data": "data:data",
    "train": "pipeline:train",
    "models": "pipeline:models",
    "endpoint": "serving:endpoint",
    "promote": "serving:promote",
    "rollback": "serving:rollback",
    "predict": "serving:predict",
    "feedback": "serving:feedback",
    "serve": "serving:serve",
    "explain": "audit:explain",
    "approve": "audit:approve",
    "local": "local:local",
    "demo": "demo:demo",
    "baseline": "drift:baseline_command",
    "drift": "drift:drift_command",
    "aws-smoke": "smoke:aws_smoke",
    "cost": "cost:cost_command",
}


class _Group(click.Group):
    """Commands loaded on use (click's lazy-loading pattern); user errors as one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS:
            return None
        module, _, attribute = _COMMANDS[name].partition(":")
        command = getattr(importlib.import_module(f"shadowloop.cli.{module}"), attribute)
        assert command.name == name, f"{_COMMANDS[name]} is {command.name!r}, not {name!r}"
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _USER_ERRORS as exc:
            raise CliError(_message(exc)) from None


def _message(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'AWS error')}: {error.get('Message', exc)}"
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"no such file: {exc.filename}"
    return str(exc)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shadowloop")
def cli() -> None:
    """shadowloop: versioned data, a train → evaluate → register pipeline, shadow
    deployments and drift-triggered retraining, on AWS or on the local cloud.

    \b
    Start here:
      shadowloop demo                 the whole loop on the local cloud, with a report
      shadowloop local up             a local cloud other shells can use
      shadowloop serve                the REST API on 127.0.0.1 (trains a model first if needed)

    Commands act on the local cloud by default; pass --target aws (or set
    SHADOWLOOP_TARGET=aws) to use the stacks deployed to your AWS account.
    """
