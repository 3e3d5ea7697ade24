"""make aws-smoke up to its first AWS call: the plan, the estimate, the confirmation."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from botocore.client import BaseClient
from click.testing import CliRunner

from shadowloop.cli.main import cli
from shadowloop.ops.smoke.plan import SmokeRefused, confirm, make_plan, render


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_aws(monkeypatch):
    """Any AWS API call fails the test: the dry run and the refusal must make none."""

    def refuse(self, operation, params):  # noqa: ANN001
        raise AssertionError(f"AWS was called: {operation}")

    monkeypatch.setattr(BaseClient, "_make_api_call", refuse)


def test_the_plan_is_a_separate_stage_of_the_smoke_environment():
    plan = make_plan(region="eu-west-1", stage="ab12cd")

    assert plan.config.prefix == "shadowloop-smoke-ab12cd"
    assert plan.config.retain_data is False
    assert plan.stacks == [
        "shadowloop-smoke-ab12cd-data",
        "shadowloop-smoke-ab12cd-serving",
        "shadowloop-smoke-ab12cd-pipeline",
        "shadowloop-smoke-ab12cd-monitoring",
    ]


def test_the_cdk_commands_name_the_stage():
    plan = make_plan(region="eu-west-1", stage="ab12cd")
    context = ["-c", "shadowloop:environment=smoke", "-c", "shadowloop:stage=ab12cd"]

    deploy = plan.deploy_command("/tmp/o.json")
    destroy = plan.destroy_command()

    assert deploy[:4] == ["npx", "cdk", "deploy", "--all"]
    assert deploy[4:6] == ["--require-approval", "never"]
    assert deploy[-2:] == ["--outputs-file", "/tmp/o.json"]
    assert destroy[:5] == ["npx", "cdk", "destroy", "--all", "--force"]
    for command in (deploy, destroy):
        assert " ".join(context) in " ".join(command)


def test_random_stages_differ():
    assert make_plan(region="us-east-1").config.stage != make_plan(region="us-east-1").config.stage


def test_the_estimate_prices_the_jobs_and_the_endpoint():
    plan = make_plan(region="us-east-1", stage="x1")

    costs = {line.item: line.usd for line in plan.costs()}

    # ml.m5.large at $0.115/h: two 10-minute jobs and a 45-minute endpoint
    assert costs["training job (ml.m5.large)"] == pytest.approx(0.115 / 6)
    assert costs["endpoint (ml.m5.large)"] == pytest.approx(0.115 * 0.75)
    assert 0.1 < plan.total() < 1.0
    assert "$" in render(plan) and "total" in render(plan)


def test_an_unpriced_instance_type_makes_the_total_unknown():
    plan = make_plan(region="us-east-1", stage="x1")
    compute = replace(plan.config.compute, endpoint_instance_type="ml.g5.xlarge")
    unpriced = replace(plan, config=replace(plan.config, compute=compute))

    assert unpriced.total() is None
    assert "unknown" in render(unpriced)


def test_without_a_terminal_or_yes_it_refuses():
    plan = make_plan(region="us-east-1", stage="x1")

    with pytest.raises(SmokeRefused, match="--yes"):
        confirm(plan, yes=False, stdin=io.StringIO("y\n"), stdout=io.StringIO())


def test_on_a_terminal_only_the_stage_name_confirms():
    plan = make_plan(region="us-east-1", stage="x1")
    shown = io.StringIO()

    with pytest.raises(SmokeRefused, match="not confirmed"):
        confirm(plan, yes=False, stdin=_Terminal("yes\n"), stdout=shown)
    confirm(plan, yes=False, stdin=_Terminal("shadowloop-smoke-x1\n"), stdout=shown)
    confirm(plan, yes=True, stdin=io.StringIO(""), stdout=shown)

    assert "shadowloop-smoke-x1" in shown.getvalue()


def test_dry_run_prints_the_plan_and_calls_no_aws_api(no_aws):
    result = CliRunner().invoke(
        cli, ["aws-smoke", "--dry-run", "--stage", "ab12cd", "--region", "eu-west-2"]
    )

    assert result.exit_code == 0, result.output
    assert "shadowloop-smoke-ab12cd" in result.output and "eu-west-2" in result.output
    assert "Estimated cost" in result.output
    assert "npx cdk deploy --all" in result.output
    assert "dry run: nothing was created" in result.output


def test_the_command_refuses_without_confirmation_before_any_aws_call(no_aws):
    result = CliRunner().invoke(cli, ["aws-smoke", "--stage", "ab12cd"], input="")

    assert result.exit_code == 1
    assert "error: no confirmation" in result.output
    assert "Traceback" not in result.output


def test_a_bad_stage_is_one_line_naming_the_setting(no_aws):
    result = CliRunner().invoke(cli, ["aws-smoke", "--dry-run", "--stage", "Bad!"])

    assert result.exit_code == 1
    assert "shadowloop:stage" in result.output
