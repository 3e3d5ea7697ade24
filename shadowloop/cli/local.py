"""``shadowloop local``: a local cloud that other shells can use."""

from __future__ import annotations

import click

from shadowloop.cli.common import console, local_cloud, port_options


@click.group()
def local() -> None:
    """The local cloud: moto plus real compute, running the synthesized stacks."""


@local.command()
@port_options(api_default=None, api_help="Also serve the REST API on this port on 127.0.0.1")
def up(port: int | None, moto_port: int) -> None:
    """Start the local cloud and keep it running until Ctrl-C.

    Other shells then use it with the ordinary commands (`shadowloop data push`,
    `train`, `models`, ...), or with any AWS SDK pointed at the printed endpoint.
    --port and --moto-port mean what they mean for `shadowloop serve`.
    """
    with local_cloud("local", moto_port=moto_port, api_port=port) as running:
        api = f", API {running.api_url}" if running.api_url else ""
        console.print(f"local cloud up: AWS endpoint [bold]{running.moto_url}[/]{api}")
        for key in ("DataBucketName", "StateMachineArn", "EndpointName"):
            console.print(f"  {key}: {running.target.outputs.get(key)}")
