"""The one Lambda-function construct: every shadowloop function gets the same defaults."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import ROOT, Config
from infra.constructs.layers import (
    ARCHITECTURE,
    AWS_SDK_PANDAS_PARAMETER,
    POWERTOOLS_PARAMETER,
    RUNTIME,
    managed_layer,
)
from infra.constructs.nag import ANY_RESOURCE, suppress, suppress_wildcards
from lambdas.shared.contracts.environment import FUNCTIONS

LAMBDA_PACKAGE = ROOT / "lambdas"
STAGING_DIR = ROOT / "build" / "lambda"


def stage_lambda_package(package: Path = LAMBDA_PACKAGE, staging_dir: Path = STAGING_DIR) -> Path:
    """Copy only the ``lambdas`` package's .py files into a directory named by their hash.

    The function asset is that directory: staging it is faster than letting CDK
    fingerprint the whole repository (virtualenv included) through exclude patterns.
    """
    sources = sorted(path for path in package.rglob("*.py") if "__pycache__" not in path.parts)
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.relative_to(package.parent).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    target = staging_dir / digest.hexdigest()[:16]
    if not target.exists():
        # Build beside the target and rename, so concurrent synths never see half a copy.
        staging_dir.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=staging_dir))
        for path in sources:
            destination = partial / path.relative_to(package.parent)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        try:
            partial.rename(target)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
    return target


def lambda_code() -> lambda_.Code:
    """The one function asset (the staged ``lambdas`` package); CDK uploads it once."""
    return lambda_.Code.from_asset(str(stage_lambda_package()))


def function_name(config: Config, name: str) -> str:
    """The deterministic name of a shadowloop function, e.g. ``shadowloop-dev-drift-check``."""
    return f"{config.prefix}-{name.replace('_', '-')}"


class Function(Construct):
    """A Python 3.11 arm64 Lambda running ``lambdas.<name>.handler.handler``.

    It gets the Powertools layer (plus the numpy layer when asked), both resolved from
    their publishers' SSM parameters at deploy time, X-Ray tracing, a log
    group with the configured retention, the ``POWERTOOLS_*`` variables and
    ``environment``, which must hold exactly the variables the contract lists for ``name``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        name: str,
        environment: Mapping[str, str],
        description: str,
        memory_size: int = 256,
        timeout: Duration | None = None,
        needs_numpy: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        check_environment(name, environment)
        self.name = function_name(config, name)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{self.name}",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Runs the {self.name} function",
        )
        # Written out instead of AWSLambdaBasicExecutionRole so the role is scoped to its log group.
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=self.name,
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"lambdas.{name}.handler.handler",
            code=lambda_code(),
            memory_size=memory_size,
            timeout=timeout or Duration.seconds(30),
            layers=self._layers(needs_numpy),
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            environment={
                "POWERTOOLS_SERVICE_NAME": name,
                "POWERTOOLS_METRICS_NAMESPACE": "shadowloop",
                "POWERTOOLS_LOG_LEVEL": "INFO",
                **environment,
            },
        )
        self._suppress_findings()

    def _suppress_findings(self) -> None:
        suppress(
            self,
            "L1",
            "Pinned to Python 3.11: the local loop and the managed layers are tested on 3.11.",
        )
        suppress_wildcards(
            self.role, "X-Ray trace segments cannot be scoped to a resource.", ANY_RESOURCE
        )

    def _layers(self, needs_numpy: bool) -> list[lambda_.ILayerVersion]:
        layers = [managed_layer(self, "Powertools", POWERTOOLS_PARAMETER)]
        if needs_numpy:
            # numpy comes with the AWS SDK for pandas layer; the functions use only numpy.
            layers.append(managed_layer(self, "Numpy", AWS_SDK_PANDAS_PARAMETER))
        return layers


def check_environment(name: str, environment: Mapping[str, str]) -> None:
    """Refuse a variable the function does not read, or one it reads but is not given."""
    expected = set(FUNCTIONS[name])
    missing, extra = expected - set(environment), set(environment) - expected
    if missing or extra:
        raise ValueError(
            f"{name}: environment differs from its contract "
            f"(missing {sorted(missing)}, not read {sorted(extra)})"
        )


_RETENTION_DAYS = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS",
    30: "ONE_MONTH", 60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS",
    150: "FIVE_MONTHS", 180: "SIX_MONTHS", 365: "ONE_YEAR", 400: "THIRTEEN_MONTHS",
    545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS", 1827: "FIVE_YEARS",
    2192: "SIX_YEARS", 2557: "SEVEN_YEARS", 2922: "EIGHT_YEARS", 3288: "NINE_YEARS",
    3653: "TEN_YEARS",
}  # fmt: skip


def retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch retention period that keeps logs at least ``days`` days."""
    allowed = sorted(_RETENTION_DAYS)
    chosen = next((d for d in allowed if d >= days), allowed[-1])
    return logs.RetentionDays[_RETENTION_DAYS[chosen]]
