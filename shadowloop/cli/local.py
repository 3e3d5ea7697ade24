"""``shadowloop local``: a local cloud that other shells can use."""

from __future__ import annotations

import click

from shadowloop.cli.common import console, local_cloud


@click.group()
def local() -> None:
    """The local cloud: moto plus real compute, running the synthesized stacks."""


@local.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=5000,
    show_default=True,
    help="Port of the local AWS endpoint.",
)
@click.option(
    "--api-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Also serve the REST API on this port.",
)
def up(port: int, api_port: int | None) -> None:
    """Start the local cloud and keep it running until Ctrl-C.

    Other shells then use it with the ordinary commands (`shadowloop data push`,
    `train`, `models`, ...), or with any AWS SDK pointed at the printed endpoint.
    """
    with local_cloud("local", moto_port=port, api_port=api_port) as running:
        api = f", API {running.api_url}" if running.api_url else ""
        console.print(f"local cloud up: AWS endpoint [bold]{running.moto_url}[/]{api}")
        for key in ("DataBucketName", "StateMachineArn", "EndpointName"):
            console.print(f"  {key}: {running.target.outputs.get(key)}")
