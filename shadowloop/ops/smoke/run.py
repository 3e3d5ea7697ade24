"""A smoke run on a real account: deploy, train, serve, check, destroy, look for leftovers.

Every AWS call here is real (boto3 and ``npx cdk``), so it is never run by the tests;
the checks it makes are in :mod:`shadowloop.ops.smoke.checks` and
:mod:`shadowloop.ops.smoke.inventory`, which the tests run on the local cloud.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.config import ROOT
from shadowloop.ops import datasets, examples, pipeline
from shadowloop.ops.api import ApiClient
from shadowloop.ops.smoke import checks
from shadowloop.ops.smoke.checks import SmokeFailed
from shadowloop.ops.smoke.inventory import Inventory, Leftover, empty_buckets, empty_registry
from shadowloop.ops.smoke.inventory import leftovers as find_leftovers
from shadowloop.ops.smoke.plan import Plan
from shadowloop.ops.target import aws_target

PIPELINE_TIMEOUT = 3600
ENDPOINT_TIMEOUT = 1800
CAPTURE_TIMEOUT = 900
POLL_SECONDS = 20
DESTROY_ATTEMPTS = 2
Runner = Callable[..., subprocess.CompletedProcess]


def run(plan: Plan, *, out: Callable[[str], None], runner: Runner = subprocess.run) -> int:
    """The whole run; 0 when every check passed and nothing billable is left."""
    # Every client of this process (the target's included) and cdk use the plan's region.
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = plan.region
    session = boto3.Session(region_name=plan.region)
    preflight(session, plan, out)
    inventory = Inventory()
    failure: Exception | None = None
    try:
        _cdk(plan, plan.deploy_command(_outputs_file()), runner, out)
        inventory = Inventory.from_stacks(session.client("cloudformation"), plan.stacks)
        exercise(plan, out)
    except (SmokeFailed, subprocess.CalledProcessError, TimeoutError) as exc:
        failure = exc
        out(f"FAILED: {exc}")
    finally:
        # Read again: a deploy that failed half-way still created resources.
        with contextlib.suppress(ClientError, BotoCoreError):
            inventory = Inventory.from_stacks(session.client("cloudformation"), plan.stacks)
        destroy(plan, session, inventory, runner, out)
    left = find_leftovers(session, plan.region, inventory, plan.config.prefix)
    report_leftovers(left, out)
    return 1 if failure or any(item.billable for item in left) else 0


def preflight(session: boto3.Session, plan: Plan, out: Callable[[str], None]) -> None:
    """The account, the CDK bootstrap and API Gateway's logging role, before creating anything."""
    account = session.client("sts").get_caller_identity()["Account"]
    out(f"account {account}, region {plan.region}")
    cloudformation = session.client("cloudformation")
    try:
        cloudformation.describe_stacks(StackName="CDKToolkit")
    except cloudformation.exceptions.ClientError:
        raise SmokeFailed(
            f"the account is not bootstrapped: run npx cdk bootstrap aws://{account}/{plan.region}"
        ) from None
    own_role = plan.config.serving.api_gateway_cloudwatch_role
    if not own_role and not session.client("apigateway").get_account().get("cloudwatchRoleArn"):
        raise SmokeFailed(
            "API Gateway has no CloudWatch role in this region; stage logging needs one "
            "(README: Deploying to an account, the one-time API Gateway step)"
        )


def exercise(plan: Plan, out: Callable[[str], None]) -> None:
    """Push data, run the pipeline, call the API and find the capture."""
    target = aws_target(plan.config)
    frame = examples.generate("baseline", rows=plan.rows, seed=7)
    dataset = plan.config.model.dataset
    body = frame.to_csv(index=False).encode()
    version = datasets.push_bytes(target, body, dataset, name="smoke", source="aws-smoke")
    out(f"dataset {dataset} version {version}")
    execution = pipeline.start(target, dataset, version_id=version)
    run = pipeline.follow(
        target, execution, on_state=lambda s: out(f"  {s}"), poll_seconds=POLL_SECONDS,
        timeout=PIPELINE_TIMEOUT,
    )  # fmt: skip
    if run.result != "registered":
        raise SmokeFailed(f"the pipeline run ended {run.status} ({run.result}): {run.reason}")
    out(f"registered {run.model_package_arn}")
    checks.endpoint_in_service(target, timeout=ENDPOINT_TIMEOUT, poll=POLL_SECONDS)
    api = ApiClient(base_url=target.api_url or target.output("ApiUrl"), session=target.session)
    features = plan.config.model.feature_names
    instances = json.loads(frame[features].head(5).to_json(orient="records"))
    group = target.output("ModelPackageGroupName")
    ids = checks.predict(api, instances, group)
    out(f"/predict answered {len(ids)} predictions")
    actual = float(frame[plan.config.model.target].iloc[0])
    out(f"/feedback recorded on {checks.feedback(target, api, ids[0], actual)}")
    keys = checks.captured(target, ids, timeout=CAPTURE_TIMEOUT, poll=POLL_SECONDS)
    out(f"capture found in {len(keys)} file(s)")


def destroy(
    plan: Plan,
    session: boto3.Session,
    inventory: Inventory,
    runner: Runner,
    out: Callable[[str], None],
) -> None:
    """Empty what CloudFormation will not delete, then destroy; once more if logs landed late."""
    for attempt in range(1, DESTROY_ATTEMPTS + 1):
        removed = empty_buckets(session.client("s3"), inventory.buckets)
        packages = empty_registry(session.client("sagemaker"), inventory.groups)
        out(f"emptied {removed} object versions and {packages} model packages")
        try:
            _cdk(plan, plan.destroy_command(), runner, out)
            return
        except subprocess.CalledProcessError:
            if attempt == DESTROY_ATTEMPTS:
                out("cdk destroy failed twice; see the leftovers below")


def report_leftovers(left: list[Leftover], out: Callable[[str], None]) -> None:
    if not left:
        out("nothing of the stage is left")
        return
    for item in left:
        tag = "BILLABLE" if item.billable else "kept"
        out(f"  {tag:<8} {item.kind} {item.name} ({item.state})")


def _cdk(plan: Plan, command: list[str], runner: Runner, out: Callable[[str], None]) -> None:
    out("$ " + " ".join(command))
    env = {**os.environ, "AWS_REGION": plan.region, "AWS_DEFAULT_REGION": plan.region}
    runner(command, cwd=ROOT, env=env, check=True)


def _outputs_file() -> str:
    return str(Path(tempfile.mkdtemp(prefix="aws-smoke-")) / "outputs.json")


__all__ = ["destroy", "exercise", "preflight", "report_leftovers", "run"]
