"""What a smoke run will create, what it will cost, and the cdk commands it will run.

Everything here is pure: it runs before the first AWS call, so ``--dry-run`` and the
confirmation prompt never touch an account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TextIO

from infra.config import ENVIRONMENT_KEY, STAGE_KEY, Config, load_from_cdk_json

ENVIRONMENT = "smoke"
# US East (N. Virginia) on-demand list prices in USD per hour, used only for the estimate.
INSTANCE_PRICES = {
    "training": {"ml.m5.large": 0.115, "ml.m5.xlarge": 0.23, "ml.c5.xlarge": 0.204},
    "processing": {"ml.m5.large": 0.115, "ml.m5.xlarge": 0.23, "ml.t3.medium": 0.05},
    "hosting": {"ml.m5.large": 0.115, "ml.m5.xlarge": 0.23, "ml.t2.medium": 0.056},
}
HOURS_PER_MONTH = 730
# How long each billable thing lives in a run that goes as planned.
JOB_MINUTES = 10  # each job, instance start-up included
ENDPOINT_MINUTES = 45  # from the Deploy step to the end of the destroy
STACK_MINUTES = 75  # the whole run


class SmokeRefused(RuntimeError):
    """The run needs a confirmation it did not get; nothing was created."""


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: str
    usd: float | None


@dataclass(frozen=True)
class Plan:
    """One smoke run: a throwaway stage of the smoke environment in one region."""

    config: Config
    region: str
    rows: int

    @property
    def stacks(self) -> list[str]:
        return [f"{self.config.prefix}-{c}" for c in ("data", "serving", "pipeline", "monitoring")]

    def context_args(self) -> list[str]:
        return [
            "-c",
            f"{ENVIRONMENT_KEY}={self.config.environment}",
            "-c",
            f"{STAGE_KEY}={self.config.stage}",
        ]

    def deploy_command(self, outputs_file: str) -> list[str]:
        return [
            "npx", "cdk", "deploy", "--all", "--require-approval", "never", "--no-notices",
            *self.context_args(), "--outputs-file", outputs_file,
        ]  # fmt: skip

    def destroy_command(self) -> list[str]:
        return ["npx", "cdk", "destroy", "--all", "--force", "--no-notices", *self.context_args()]

    def creates(self) -> list[str]:
        compute = self.config.compute
        return [
            f"CloudFormation stacks {', '.join(self.stacks)}",
            "a KMS key, 4 S3 buckets, an SNS topic, a DynamoDB table, a model package group",
            "11 Lambda functions, a Step Functions state machine, 3 EventBridge schedules",
            "an API Gateway REST API (IAM auth), CloudWatch alarms and a dashboard",
            f"a training job and a processing job on {compute.training_instance_type} / "
            f"{compute.processing_instance_type} (at most {compute.max_runtime_seconds} s each)",
            f"a SageMaker endpoint on {compute.endpoint_instance_count} × "
            f"{compute.endpoint_instance_type}, from the Deploy step until the destroy",
            f"a dataset of {self.rows} generated rows, a few predictions and one feedback",
        ]

    def costs(self) -> list[CostLine]:
        compute = self.config.compute
        jobs = [
            ("training job", "training", compute.training_instance_type, JOB_MINUTES, 1),
            ("processing job", "processing", compute.processing_instance_type, JOB_MINUTES, 1),
            (
                "endpoint",
                "hosting",
                compute.endpoint_instance_type,
                ENDPOINT_MINUTES,
                compute.endpoint_instance_count,
            ),
        ]
        lines = [
            CostLine(
                f"{label} ({instance})",
                f"{count} × ~{minutes} min",
                _hourly(kind, instance, minutes * count),
            )
            for label, kind, instance, minutes, count in jobs
        ]
        monthly = {"KMS key": 1.0, "CloudWatch alarms (7)": 0.7, "CloudWatch dashboard": 3.0}
        lines += [
            CostLine(item, f"~{STACK_MINUTES} min of a monthly price", usd * _month_share())
            for item, usd in monthly.items()
        ]
        lines.append(CostLine("Lambda, S3, DynamoDB, API Gateway, SNS, logs", "a few calls", 0.05))
        return lines

    def total(self) -> float | None:
        costs = [line.usd for line in self.costs()]
        return None if None in costs else sum(c for c in costs if c is not None)


def make_plan(
    *, region: str, stage: str | None = None, rows: int = 2000, environment: str = ENVIRONMENT
) -> Plan:
    """A plan for a new throwaway stage (a random one unless ``stage`` is given)."""
    stage = stage or secrets.token_hex(3)
    return Plan(load_from_cdk_json(environment=environment, stage=stage), region, rows)


def render(plan: Plan) -> str:
    """The plan and the estimate, as printed before anything is created."""
    lines = [
        f"make aws-smoke: a throwaway stage {plan.config.prefix!r} in {plan.region}",
        "",
        "It creates:",
        *(f"  - {item}" for item in plan.creates()),
        "",
        "Estimated cost (on-demand list prices, us-east-1; other regions differ):",
    ]
    for line in plan.costs():
        usd = "unknown" if line.usd is None else f"${line.usd:.2f}"
        lines.append(f"  {line.item:<48} {line.quantity:<32} {usd:>8}")
    total = plan.total()
    lines.append(f"  {'total':<48} {'':<32} {'unknown' if total is None else f'${total:.2f}':>8}")
    lines += [
        "",
        "It runs:",
        "  " + " ".join(plan.deploy_command("<outputs.json>")),
        "  then pushes a dataset, runs the pipeline, calls /predict and /feedback,",
        "  checks the capture in S3, empties the stage's buckets and registry, and runs",
        "  " + " ".join(plan.destroy_command()),
        "  and finally lists anything billable left behind.",
    ]
    return "\n".join(lines)


def confirm(plan: Plan, *, yes: bool, stdin: TextIO, stdout: TextIO) -> None:
    """Go on only with ``--yes`` or a typed confirmation on a terminal."""
    if yes:
        return
    if not stdin.isatty():
        raise SmokeRefused(
            "no confirmation: this creates billable resources; run it in a terminal "
            "or pass --yes (see --dry-run for the plan)"
        )
    stdout.write(f"Type the stage name {plan.config.prefix} to create it: ")
    stdout.flush()
    if stdin.readline().strip() != plan.config.prefix:
        raise SmokeRefused("not confirmed; nothing was created")


def _hourly(kind: str, instance: str, minutes: float) -> float | None:
    price = INSTANCE_PRICES[kind].get(instance)
    return None if price is None else price * minutes / 60


def _month_share() -> float:
    return STACK_MINUTES / 60 / HOURS_PER_MONTH
