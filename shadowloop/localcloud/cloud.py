"""The local cloud: moto, plus the compute it lacks, running the synthesized stacks.

``LocalCloud`` synthesizes the CDK app (or reuses a cached assembly), starts moto,
installs the compute that moto lacks (Lambda handlers, training and processing
jobs, endpoints), deploys every stack's template into it, and fires schedules from
a simulated clock. It runs in-process (tests, ``shadowloop demo``) or behind a
``ThreadedMotoServer`` (``shadowloop local up``) that other shells reach over HTTP.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from infra.config import ROOT, Config, load_from_cdk_json
from shadowloop.localcloud.access.alarms import AlarmActions, fire_alarm
from shadowloop.localcloud.access.enforcer import AccessControl
from shadowloop.localcloud.cloudwatch import Percentiles
from shadowloop.localcloud.environ import patched_environ
from shadowloop.localcloud.functions import FunctionRuntime
from shadowloop.localcloud.jobs import JobRunner
from shadowloop.localcloud.metrics import EmbeddedMetrics
from shadowloop.localcloud.provision import Deployment, Provisioner
from shadowloop.localcloud.scheduler import Scheduler
from shadowloop.localcloud.template import load_assembly

REGION = "us-east-1"
MOTO_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
_SOURCES = ("infra", "lambdas", "training")


@dataclass(frozen=True)
class Execution:
    """A finished pipeline run."""

    arn: str
    name: str
    status: str
    input: dict[str, Any]
    output: dict[str, Any] | None
    error: str | None
    cause: str | None


class LocalCloud:
    """One local AWS account holding the deployed shadowloop stacks."""

    def __init__(self, *, workdir: Path, config: Config | None = None) -> None:
        self.workdir = workdir
        self.config = config or load_from_cdk_json()
        self.deployment: Deployment | None = None
        self.assembly: Path | None = None
        self.scheduler: Scheduler | None = None
        self.session: boto3.Session | None = None
        self._stack = contextlib.ExitStack()

    # -- life cycle --------------------------------------------------------------------

    def start(
        self, *, endpoint_url: str | None = None, assembly_cache: Path | None = None
    ) -> LocalCloud:
        """Start moto (in-process, or reached at ``endpoint_url``) and deploy the stacks."""
        assembly = synthesize(self.config, assembly_cache or ROOT / ".shadowloop" / "assembly")
        self.assembly = assembly
        if endpoint_url is None:
            from moto import mock_aws

            self._stack.enter_context(mock_aws(config=MOTO_CONFIG))
        else:
            # Handlers and jobs in this process sign with local credentials, never a user's.
            self._stack.enter_context(
                patched_environ(
                    AWS_ENDPOINT_URL=endpoint_url,
                    AWS_ACCESS_KEY_ID="testing",
                    AWS_SECRET_ACCESS_KEY="testing",
                    AWS_SESSION_TOKEN="testing",
                )
            )
        self._stack.enter_context(patched_environ(AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION))
        self.session = boto3.Session(region_name=REGION)
        self._install_compute()
        self.deployment = Provisioner(
            region=REGION, assembly_dir=assembly, session=self.session
        ).deploy(load_assembly(assembly))
        self.runtime.deployment = self.deployment
        self._create_custom_resources()
        self.scheduler = Scheduler(
            self.deployment.rules,
            invoke_function=self.invoke,
            start_execution=self._start_scheduled_execution,
            now=datetime.now(UTC).replace(second=0, microsecond=0),
        )
        self.endpoints.clock = lambda: self.scheduler.now
        return self

    def stop(self) -> None:
        self._stack.close()

    def on_stop(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` when the cloud stops (after what started later)."""
        self._stack.callback(callback)

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _install_compute(self) -> None:
        from shadowloop.localcloud.endpoints import LocalEndpoints

        self.runtime = FunctionRuntime(
            Deployment(region=REGION),
            log_dir=self.workdir / "logs",
            metrics_sink=EmbeddedMetrics(lambda: self.client("cloudwatch")).publish,
        )
        self.jobs = JobRunner(workdir=self.workdir / "jobs", s3=lambda: self.client("s3"))
        self.endpoints = LocalEndpoints(self.workdir / "endpoints")
        # Every call made as a function, the state machine or SageMaker is authorized.
        self.access = AccessControl(region=REGION)
        self.endpoints.access = self.access
        for part in (self.runtime, self.jobs, self.endpoints, Percentiles(), self.access):
            part.install()
            self._stack.callback(part.uninstall)

    def _create_custom_resources(self) -> None:
        """Do what CloudFormation and the CDK provider framework do on create."""
        for resource in self.deployment.custom_resources:
            token = resource["ServiceToken"]
            framework = self.deployment.function(token)
            on_event = framework.environment.get("USER_ON_EVENT_FUNCTION_ARN", token)
            properties = {k: v for k, v in resource.items() if k != "logical_id"}
            self.invoke(
                on_event,
                {
                    "RequestType": "Create",
                    "ServiceToken": token,
                    "ResponseURL": "http://localhost/unused",
                    "StackId": "local",
                    "RequestId": str(uuid.uuid4()),
                    "LogicalResourceId": resource["logical_id"],
                    "ResourceType": "Custom::Resource",
                    "ResourceProperties": properties,
                },
            )

    # -- using it ----------------------------------------------------------------------

    def client(self, service: str) -> Any:
        assert self.session is not None, "the local cloud is not started"
        return self.session.client(service, region_name=REGION)

    def output(self, key: str) -> str:
        """A stack output by its key, e.g. ``DataBucketName``."""
        assert self.deployment is not None
        try:
            return self.deployment.outputs[key]
        except KeyError:
            raise KeyError(f"no stack output {key!r}") from None

    def invoke(self, function: str, event: Any) -> Any:
        """Run a deployed function's handler in-process."""
        return self.runtime.invoke(function, event)

    def fire_alarm(self, alarm_name: str, reason: str = "Threshold crossed") -> AlarmActions:
        """Put an alarm into ALARM and deliver its actions as CloudWatch would (moto never does)."""
        return fire_alarm(
            self.client("cloudwatch"),
            self.access,
            alarm_name,
            reason=reason,
            region=REGION,
        )

    def function_name(self, fragment: str) -> str:
        """The deployed function whose name ends with ``fragment`` (e.g. ``drift-check``)."""
        assert self.deployment is not None
        names = [n for n in self.deployment.functions if n.endswith(fragment)]
        if len(names) != 1:
            raise KeyError(f"{len(names)} functions end with {fragment!r}")
        return names[0]

    def start_pipeline(
        self,
        *,
        dataset: str,
        version_id: str | None = None,
        trigger: str = "manual",
        name: str | None = None,
    ) -> str:
        """Start the pipeline the way the CLI does; returns the execution ARN."""
        run_input = {"dataset": dataset, "version_id": version_id, "trigger": trigger}
        name = name or f"{trigger}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        return self.client("stepfunctions").start_execution(
            stateMachineArn=self.output("StateMachineArn"), name=name, input=json.dumps(run_input)
        )["executionArn"]

    def wait(self, execution_arn: str, *, timeout: float = 600) -> Execution:
        """Wait for an execution to finish (moto runs it in a thread)."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {execution_arn} still running after {timeout} s")
            time.sleep(0.05)
        output = described.get("output")
        return Execution(
            arn=execution_arn,
            name=described["name"],
            status=described["status"],
            input=json.loads(described.get("input") or "{}"),
            output=json.loads(output) if output else None,
            error=described.get("error"),
            cause=described.get("cause"),
        )

    def run_pipeline(self, **kwargs: Any) -> Execution:
        return self.wait(self.start_pipeline(**kwargs))

    def _start_scheduled_execution(self, arn: str, name: str, run_input: str) -> Execution:
        started = self.client("stepfunctions").start_execution(
            stateMachineArn=arn, name=name, input=run_input
        )
        return self.wait(started["executionArn"])


def synthesize(config: Config, cache: Path) -> Path:
    """The cloud assembly for ``config``, synthesized once per source state."""
    digest = hashlib.sha256(repr(config).encode() + (ROOT / "cdk.json").read_bytes())
    for folder in _SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    outdir = cache / digest.hexdigest()[:16]
    cache.mkdir(parents=True, exist_ok=True)
    # Parallel test workers share the cache: one synthesizes, the others wait for it.
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (outdir / "manifest.json").exists():
            from infra.app import build_app

            with patched_environ(JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20"):
                build_app(config, outdir=str(outdir)).synth()
    return outdir
