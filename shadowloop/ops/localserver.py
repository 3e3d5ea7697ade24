"""A local cloud other shells can use: moto's server, the local compute, and the API.

``shadowloop local up`` and ``shadowloop serve`` run this. It writes
``.shadowloop/local.json`` so that CLI commands in another shell find it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import patch

from infra.config import Config
from shadowloop.localcloud.cloud import MOTO_CONFIG, REGION, LocalCloud
from shadowloop.ops.target import STATE_FILE, Target


@dataclass
class RunningCloud:
    cloud: LocalCloud
    target: Target
    moto_url: str
    api_url: str | None = None
    api_server: Any = None

    def stop(self) -> None:
        if self.api_server is not None:
            self.api_server.shutdown()
        STATE_FILE.unlink(missing_ok=True)
        self.cloud.stop()


def target_for(
    cloud: LocalCloud, *, endpoint_url: str | None = None, api_url: str | None = None
) -> Target:
    """A CLI target for a local cloud started in this process."""
    assert cloud.session is not None and cloud.deployment is not None
    return Target(
        name="local",
        config=cloud.config,
        session=cloud.session,
        outputs=dict(cloud.deployment.outputs),
        endpoint_url=endpoint_url,
        api_url=api_url,
    )


def start(
    *,
    workdir: Path,
    config: Config,
    moto_port: int,
    api_port: int | None,
    on_step: Callable[[str], None] = lambda _: None,
) -> RunningCloud:
    """Start moto's server on ``moto_port``, deploy into it, and serve the API if asked."""
    from moto.core.config import default_user_config
    from moto.server import ThreadedMotoServer

    # The server reads moto's process-wide settings; they are restored on stop.
    settings = patch.dict(default_user_config, MOTO_CONFIG)
    port = patch.dict(os.environ, MOTO_PORT=str(moto_port))  # Step Functions tasks call back
    settings.start()
    port.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per AWS call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{moto_port}"
    on_step("synthesizing and deploying the stacks")
    cloud = LocalCloud(workdir=workdir, config=config)
    try:
        cloud.start(endpoint_url=url)
    except BaseException:
        server.stop()
        port.stop()
        settings.stop()
        raise
    for stop in (settings.stop, port.stop, server.stop):
        cloud.on_stop(stop)
    cloud.follow_wall_clock()
    running = RunningCloud(cloud=cloud, target=target_for(cloud, endpoint_url=url), moto_url=url)
    if api_port is not None:
        running.api_server, running.api_url = serve_api(cloud, port=api_port)
        running.target.api_url = running.api_url
    write_state(running)
    return running


def serve_api(cloud: LocalCloud, *, port: int) -> tuple[Any, str]:
    """The REST API on 127.0.0.1, running the deployed API function for each request."""
    from shadowloop.localcloud.apigateway import make_server

    deployment = cloud.deployment
    assert deployment is not None and deployment.api_function is not None
    function = deployment.api_function
    server = make_server(
        lambda event: cloud.invoke(function, event),
        routes=deployment.api_routes,
        port=port,
        validators=dict(deployment.api_models),
        gateway_responses=deployment.gateway_responses,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, bound = server.server_address[:2]
    return server, f"http://{host}:{bound}"


def write_state(running: RunningCloud) -> None:
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(
        json.dumps(
            {
                "endpoint_url": running.moto_url,
                "api_url": running.api_url,
                "region": REGION,
                "outputs": running.target.outputs,
                "pid": os.getpid(),
            },
            indent=2,
        )
    )
