"""Where operations act: the local cloud, or a deployed stack on AWS.

Both give the same things: AWS clients, the stacks' outputs, and the API's URL,
so every operation (and every CLI command over it) is written once.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.config import ROOT, Config, load_from_cdk_json

STATE_FILE = ROOT / ".shadowloop" / "local.json"


class TargetError(RuntimeError):
    """The target cannot be reached or is not deployed."""


class Deployed(Protocol):
    """What an operation needs of a deployment: a ``Target``, or an in-process ``LocalCloud``."""

    def client(self, service: str) -> Any: ...

    def output(self, key: str) -> str: ...


@dataclass
class Target:
    """AWS clients plus the deployed stacks' outputs."""

    name: str
    config: Config
    session: boto3.Session
    outputs: dict[str, str]
    endpoint_url: str | None = None
    api_url: str | None = None
    sign_requests: bool = False
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint_url)
        return self._clients[service]

    def output(self, key: str) -> str:
        try:
            return self.outputs[key]
        except KeyError:
            raise TargetError(f"the {self.name} stacks have no output {key!r}") from None

    def invoke(self, function_name: str, event: dict[str, Any]) -> Any:
        """Invoke a deployed function and return its answer; a function error is raised."""
        response = self.client("lambda").invoke(
            FunctionName=function_name, Payload=json.dumps(event).encode()
        )
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            message = payload.get("errorMessage", payload) if isinstance(payload, dict) else payload
            raise TargetError(str(message))
        return payload


def local_target(config: Config | None = None, state_file: Path = STATE_FILE) -> Target:
    """The local cloud started by ``shadowloop local up`` (or ``serve``) in another shell."""
    if not state_file.exists():
        raise TargetError(
            "no local cloud is running: start one with `shadowloop local up` "
            "(or use --target aws for a deployed stack)"
        )
    state = json.loads(state_file.read_text())
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=state["region"]
    )
    target = Target(
        name="local",
        config=config or load_from_cdk_json(),
        session=session,
        outputs=state["outputs"],
        endpoint_url=state["endpoint_url"],
        api_url=state.get("api_url"),
    )
    try:
        target.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError):
        raise TargetError(
            f"the local cloud at {state['endpoint_url']} does not answer: "
            "start it with `shadowloop local up`"
        ) from None
    return target


def aws_target(config: Config | None = None, *, environment: str | None = None) -> Target:
    """The stacks deployed to the caller's AWS account, found by their names."""
    config = config or load_from_cdk_json(environment=environment)
    session = boto3.Session()
    if session.region_name is None:
        raise TargetError("no AWS region configured: set AWS_REGION or AWS_DEFAULT_REGION")
    cloudformation = session.client("cloudformation")
    outputs: dict[str, str] = {}
    for suffix in ("data", "serving", "pipeline", "monitoring"):
        name = f"{config.prefix}-{suffix}"
        try:
            stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        except ClientError as exc:
            raise TargetError(f"stack {name} is not deployed: {exc}") from None
        except BotoCoreError as exc:
            raise TargetError(f"cannot reach AWS: {exc}") from None
        outputs.update({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])})
    return Target(
        name="aws",
        config=config,
        session=session,
        outputs=outputs,
        api_url=outputs.get("ApiUrl"),
        sign_requests=True,
    )


def resolve(name: str | None) -> Target:
    """The target named on the command line or in ``SHADOWLOOP_TARGET`` (default: local).

    For ``aws``, ``SHADOWLOOP_ENVIRONMENT`` picks the deployed environment (default: dev).
    """
    name = name or os.environ.get("SHADOWLOOP_TARGET", "local")
    if name == "local":
        return local_target()
    if name == "aws":
        return aws_target(environment=os.environ.get("SHADOWLOOP_ENVIRONMENT"))
    raise TargetError(f"unknown target {name!r} (use local or aws)")
