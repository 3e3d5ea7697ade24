"""``shadowloop aws-smoke``: the real-account acceptance run (``make aws-smoke``)."""

from __future__ import annotations

import os
import sys

import click

from shadowloop.cli.common import CliError
from shadowloop.ops.smoke.checks import SmokeFailed
from shadowloop.ops.smoke.plan import SmokeRefused, confirm, make_plan, render


@click.command("aws-smoke")
@click.option(
    "--region",
    default=None,
    help="Region to deploy in. Default: $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1.",
)
@click.option(
    "--stage",
    default=None,
    help="Stage suffix (1-6 lowercase letters or digits). Default: a random one.",
)
@click.option("--rows", default=2000, show_default=True, help="Rows of the generated dataset.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--dry-run", is_flag=True, help="Print the plan and the cost estimate; call no AWS API."
)
def aws_smoke(region: str | None, stage: str | None, rows: int, yes: bool, dry_run: bool) -> None:
    """Deploy a throwaway stage to your AWS account, prove it works, and destroy it.

    \b
    1. prints what it creates and an estimated cost, and asks you to type the stage
       name (or pass --yes; without a terminal it refuses);
    2. deploys the smoke environment as its own stage (npx cdk deploy);
    3. pushes a generated dataset and runs the pipeline;
    4. calls /predict and /feedback (SigV4) and finds the capture in S3;
    5. empties the stage's buckets and registry, runs npx cdk destroy, and lists
       anything left behind; exit code 1 if a check failed or something still bills.

    It uses your AWS credentials as boto3 and the CDK CLI find them.
    """
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    plan = make_plan(region=region or "us-east-1", stage=stage, rows=rows)
    click.echo(render(plan))
    if dry_run:
        click.echo("\ndry run: nothing was created")
        return
    try:
        confirm(plan, yes=yes, stdin=sys.stdin, stdout=sys.stdout)
        from shadowloop.ops.smoke.run import run

        code = run(plan, out=click.echo)
    except (SmokeRefused, SmokeFailed) as exc:
        raise CliError(str(exc)) from None
    if code:
        raise CliError(f"the smoke run of {plan.config.prefix} failed (see above)")
    click.echo(f"the smoke run of {plan.config.prefix} passed")
