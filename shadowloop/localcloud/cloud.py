"""The local cloud: moto, plus the compute it lacks, running the synthesized stacks.

``LocalCloud`` synthesizes the CDK app (or reuses a cached assembly), starts moto,
installs the compute that moto lacks (Lambda handlers, training and processing
jobs, endpoints), deploys every stack's template into it, and fires schedules from
a simulated clock. The state machine's Wait states and Retry intervals pass time on
that clock, and endpoint changes take time on it. It runs in-process (tests,
``shadowloop demo``) or behind a ``ThreadedMotoServer`` (``shadowloop local up``)
that other shells reach over HTTP.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session

from infra.config import ROOT, Config, load_from_cdk_json
from shadowloop.localcloud.access.alarms import AlarmActions, fire_alarm
from shadowloop.localcloud.access.enforcer import AccessControl
from shadowloop.localcloud.cloudwatch import Percentiles
from shadowloop.localcloud.environ import patched_environ
from shadowloop.localcloud.execution_context import ExecutionContext
from shadowloop.localcloud.faults import Faults
from shadowloop.localcloud.functions import FunctionRuntime
from shadowloop.localcloud.jobs import JobRunner
from shadowloop.localcloud.metrics import EmbeddedMetrics
from shadowloop.localcloud.provision import Deployment, Provisioner
from shadowloop.localcloud.s3_conditions import AtomicConditionalWrites
from shadowloop.localcloud.scheduler import Scheduler
from shadowloop.localcloud.step_errors import StepErrors
from shadowloop.localcloud.strict import StrictRequests
from shadowloop.localcloud.teardown import Teardown, destroy
from shadowloop.localcloud.template import load_assembly
from shadowloop.localcloud.waits import SimulatedWaits
from shadowloop.ops import pipeline

REGION = "us-east-1"
MOTO_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
_SOURCES = ("infra", "lambdas", "training")
# Created by prepare_account, as the README's one-time step creates it in a real account.
ACCOUNT_APIGATEWAY_ROLE = "apigateway-cloudwatch-logs"


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
            # moto has just dropped boto3's default session; the handlers' replacement
            # shares the service models already loaded in this process.
            boto3.DEFAULT_SESSION = new_session()
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
        self.session = new_session(REGION)
        self._install_compute()
        prepare_account(self.session, REGION)
        return self.deploy()

    def deploy(self) -> LocalCloud:
        """Deploy every stack of the assembly, as ``cdk deploy --all`` does."""
        assert self.assembly is not None and self.session is not None
        self.deployment = Provisioner(
            region=REGION, assembly_dir=self.assembly, session=self.session
        ).deploy(load_assembly(self.assembly))
        self.runtime.deployment = self.deployment
        self._send_custom_resources("Create")
        now = self.scheduler.now if self.scheduler else datetime.now(UTC)
        self.scheduler = Scheduler(
            self.deployment.rules,
            invoke_function=self.invoke,
            start_execution=self._start_scheduled_execution,
            now=now.replace(second=0, microsecond=0),
        )
        self.endpoints.clock = lambda: self.scheduler.now
        return self

    def destroy(self) -> Teardown:
        """Delete every stack, as ``cdk destroy --all`` does; retained resources stay."""
        assert self.deployment is not None and self.session is not None
        report = destroy(
            self.deployment,
            self.session,
            custom_resource=lambda created: self._send_custom_resource(
                "Delete", created.logical_id, created.properties, created.ref
            ),
        )
        self.deployment = None
        return report

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
        waits = SimulatedWaits(lambda seconds: self.pass_time(timedelta(seconds=seconds)))
        # Every call made as a function, the state machine or SageMaker is authorized.
        self.access = AccessControl(region=REGION)
        self.endpoints.access = self.access
        # Tests make AWS calls fail on demand through it (``cloud.faults.fail(...)``).
        self.faults = Faults()
        parts = (
            StrictRequests(),
            AtomicConditionalWrites(),
            ExecutionContext(),
            StepErrors(),
            self.faults,
            self.runtime,
            self.jobs,
            self.endpoints,
            waits,
            Percentiles(),
            self.access,
        )
        for part in parts:
            part.install()
            self._stack.callback(part.uninstall)

    def _send_custom_resources(self, request_type: str) -> None:
        """Send every custom resource a ``request_type`` event, as CloudFormation does."""
        for resource in self.deployment.custom_resources:
            properties = {k: v for k, v in resource.items() if k != "logical_id"}
            self._send_custom_resource(request_type, resource["logical_id"], properties)

    def _send_custom_resource(
        self,
        request_type: str,
        logical_id: str,
        properties: dict[str, Any],
        physical_id: str | None = None,
    ) -> None:
        token = properties["ServiceToken"]
        framework = self.deployment.function(token)
        on_event = framework.environment.get("USER_ON_EVENT_FUNCTION_ARN", token)
        event = {
            "RequestType": request_type,
            "ServiceToken": token,
            "ResponseURL": "http://localhost/unused",
            "StackId": "local",
            "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": logical_id,
            "ResourceType": "Custom::Resource",
            "ResourceProperties": properties,
        }
        if physical_id and physical_id != logical_id:
            event["PhysicalResourceId"] = physical_id
        self.invoke(on_event, event)

    # -- using it ----------------------------------------------------------------------

    def pass_time(self, delta: timedelta) -> None:
        """Let simulated time pass without firing schedules (they fire at the next advance)."""
        if self.scheduler is not None:
            self.scheduler.pass_time(delta)

    def follow_wall_clock(self, *, tick: float = 1.0) -> None:
        """Until the cloud stops, let simulated time pass as real time does (schedules not fired).

        A long-running local cloud (``serve``, ``local up``) has no test or demo to move
        its clock, yet an endpoint change made from another shell must finish.
        """
        stopped = threading.Event()

        def run() -> None:
            last = time.monotonic()
            while not stopped.wait(tick):
                now = time.monotonic()
                self.pass_time(timedelta(seconds=now - last))
                last = now

        threading.Thread(target=run, name="local-clock", daemon=True).start()
        self._stack.callback(stopped.set)

    def settle_endpoints(self, *, limit: timedelta = timedelta(hours=1)) -> None:
        """Pass simulated time, a poll interval at a time, until no endpoint change is in flight."""
        step = timedelta(seconds=self.config.compute.poll_seconds)
        waited = timedelta(0)
        self.client("sagemaker").list_endpoints()  # finishes what is already due
        while self.endpoints.changes.in_flight() and waited < limit:
            self.pass_time(step)
            waited += step
            self.client("sagemaker").list_endpoints()

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
        return pipeline.start(self, dataset, version_id=version_id, trigger=trigger, name=name)

    def wait(self, execution_arn: str, *, timeout: float = 600) -> Execution:
        """Wait for an execution to finish (moto runs it in a thread)."""
        described = pipeline.wait(self, execution_arn, poll_seconds=0.05, timeout=timeout)
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


@functools.cache
def _service_models() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def new_session(region: str | None = None) -> boto3.Session:
    """A boto3 session whose service models are read once per process, not per session.

    Reading and parsing the JSON models of a dozen services takes about a second, and
    every cloud start makes fresh sessions; the models never change within a process.
    """
    models = _service_models()
    core = botocore.session.Session()
    core.register_component("data_loader", models)
    session = boto3.Session(botocore_session=core, region_name=region)
    # boto3 appends its own data folder to the loader's path at every session.
    models.search_paths[:] = dict.fromkeys(models.search_paths)
    return session


def prepare_account(session: boto3.Session, region: str) -> None:
    """The one-time account steps the README asks of a real account before a deploy.

    API Gateway keeps one CloudWatch role per account and region; stages that log need
    it set, and the stacks leave it alone unless ``serving.api_gateway_cloudwatch_role``.
    """
    iam = session.client("iam", region_name=region)
    with contextlib.suppress(iam.exceptions.NoSuchEntityException):
        role = iam.get_role(RoleName=ACCOUNT_APIGATEWAY_ROLE)["Role"]
        _set_account_role(session, region, role["Arn"])
        return
    role = iam.create_role(
        RoleName=ACCOUNT_APIGATEWAY_ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "apigateway.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]
    _set_account_role(session, region, role["Arn"])


def _set_account_role(session: boto3.Session, region: str, role_arn: str) -> None:
    session.client("apigateway", region_name=region).update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}]
    )


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
    # The lock is the assembly's own, so a worker needing another config is not held up.
    with (cache / f".{outdir.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (outdir / "manifest.json").exists():
            from infra.app import build_app

            with patched_environ(JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20"):
                build_app(config, outdir=str(outdir)).synth()
    return outdir
