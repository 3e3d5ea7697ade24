"""The CDK app: one config, four stacks, cdk-nag's AWS Solutions checks."""

from __future__ import annotations

import json
import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import (
    CONTEXT_KEY,
    ENVIRONMENT_KEY,
    ROOT,
    STAGE_KEY,
    Config,
    ConfigError,
    load_config,
)
from infra.limits import check_limits
from infra.stacks.data import DataStack
from infra.stacks.monitoring import MonitoringStack
from infra.stacks.pipeline import PipelineStack
from infra.stacks.serving import ServingStack


def build_app(config: Config, outdir: str | None = None, app: cdk.App | None = None) -> cdk.App:
    """Create the four stacks of ``config`` in ``app`` (new by default); no synthesis.

    A new app gets cdk.json's feature flags, so tests and the local cloud synthesize
    exactly what ``cdk synth`` does. A config that would break an AWS limit is refused.
    """
    check_limits(config)
    app = app or cdk.App(outdir=outdir, context=feature_flags())
    tags = {"project": config.project, "environment": config.environment}
    if config.stage:
        tags["stage"] = config.stage
    data = DataStack(app, f"{config.prefix}-data", config=config)
    serving = ServingStack(app, f"{config.prefix}-serving", config=config, data=data)
    pipeline = PipelineStack(
        app,
        f"{config.prefix}-pipeline",
        config=config,
        data=data,
        serving=serving,
    )
    MonitoringStack(
        app,
        f"{config.prefix}-monitoring",
        config=config,
        data=data,
        serving=serving,
        pipeline=pipeline,
    )
    for key, value in tags.items():
        cdk.Tags.of(app).add(key, value)
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app


def feature_flags() -> dict[str, object]:
    """The CDK feature flags set in cdk.json (its context minus shadowloop's own keys)."""
    context = json.loads((ROOT / "cdk.json").read_text()).get("context", {})
    return {k: v for k, v in context.items() if k not in (CONTEXT_KEY, ENVIRONMENT_KEY, STAGE_KEY)}


def main(app: cdk.App | None = None) -> int:
    """``cdk synth`` entry point: a bad config is one line on stderr and exit code 1."""
    app = app or cdk.App()
    try:
        config = load_config(
            app.node.try_get_context(CONTEXT_KEY),
            app.node.try_get_context(ENVIRONMENT_KEY),
            app.node.try_get_context(STAGE_KEY),
        )
        build_app(config, app=app)
    except ConfigError as exc:
        print(f"shadowloop: invalid configuration: {exc}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
