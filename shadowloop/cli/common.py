"""What every command shares: the console, one-line errors, and the target."""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click
from rich.console import Console

from shadowloop.ops.target import resolve

# Soft wrap: ARNs and ids stay on one line, so they can be copied.
console = Console(highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """A one-line error and exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def target_option(function: F) -> F:
    """Add ``--target local|aws`` and pass the resolved Target as ``target``."""

    @click.option(
        "--target",
        "target_name",
        type=click.Choice(["local", "aws"]),
        default=None,
        help="Where to act: the local cloud (`shadowloop local up`) or the stacks deployed "
        "to your AWS account. Default: $SHADOWLOOP_TARGET or local.",
    )
    @functools.wraps(function)
    def wrapper(*args: Any, target_name: str | None, **kwargs: Any) -> Any:
        return function(*args, target=resolve(target_name), **kwargs)

    return wrapper  # type: ignore[return-value]


def port_options(*, api_default: int | None, api_help: str) -> Callable[[F], F]:
    """``--port`` (the REST API's) and ``--moto-port`` (the local AWS endpoint's), alike in
    every command that starts a local cloud."""

    def decorate(function: F) -> F:
        function = click.option(
            "--moto-port",
            type=click.IntRange(1, 65535),
            default=5000,
            show_default=True,
            help="Port of the local AWS endpoint other shells and AWS SDKs use.",
        )(function)
        return click.option(
            "--port",
            type=click.IntRange(0, 65535),
            default=api_default,
            show_default=api_default is not None,
            help=f"{api_help} (0 picks a free one).",
        )(function)

    return decorate


@contextlib.contextmanager
def progress(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the current step on a terminal; plain lines anywhere else (CI, pipes)."""
    if not console.is_terminal:
        console.print(message)
        yield console.print
        return
    with console.status(message) as status:
        yield status.update


@contextlib.contextmanager
def local_cloud(name: str, *, moto_port: int, api_port: int | None) -> Iterator[Any]:
    """Start a local cloud other shells can use; after the body, serve until Ctrl-C or SIGTERM."""
    from infra.config import ROOT, load_from_cdk_json
    from shadowloop.ops import localserver

    with progress("starting the local cloud") as step:
        running = localserver.start(
            workdir=ROOT / ".shadowloop" / name,
            config=load_from_cdk_json(),
            moto_port=moto_port,
            api_port=api_port,
            on_step=step,
        )
    try:
        yield running
        signal.signal(signal.SIGTERM, _exit_once)
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            signal.pause()
    finally:
        running.stop()


def _exit_once(*_: object) -> None:
    # A second SIGTERM (e.g. also from a wrapper) must not cut the clean-up short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(0)
