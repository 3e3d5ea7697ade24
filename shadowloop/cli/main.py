"""The ``shadowloop`` command."""

from __future__ import annotations

from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError

from infra.config import ConfigError
from shadowloop.cli.common import CliError
from shadowloop.ops.target import TargetError

# Errors a user can act on: shown as one line, never as a traceback.
_USER_ERRORS = (TargetError, ConfigError, ClientError, BotoCoreError, OSError, ValueError)


class _Group(click.Group):
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


def _register() -> None:
    from shadowloop.cli import audit, cost, data, demo, drift, local, pipeline, serving, smoke

    cli.add_command(data.data)
    cli.add_command(pipeline.train)
    cli.add_command(pipeline.models)
    cli.add_command(serving.endpoint)
    cli.add_command(serving.promote)
    cli.add_command(serving.rollback)
    cli.add_command(serving.predict)
    cli.add_command(serving.feedback)
    cli.add_command(serving.serve)
    cli.add_command(audit.explain)
    cli.add_command(audit.approve)
    cli.add_command(local.local)
    cli.add_command(demo.demo)
    cli.add_command(drift.baseline_command)
    cli.add_command(drift.drift_command)
    cli.add_command(smoke.aws_smoke)
    cli.add_command(cost.cost_command)


_register()
