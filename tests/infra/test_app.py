"""The app as a whole: stack names, cdk-nag, cfn-lint, the function asset, config errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest

from infra.app import main
from infra.config import CONTEXT_KEY, ENVIRONMENT_KEY, ROOT, ConfigError, load_config
from lambdas.shared.contracts import environment
from tests.infra.conftest import Synthesized, nag_errors


def test_app_has_the_four_stacks_named_after_the_prefix(synthesized: Synthesized) -> None:
    prefix = synthesized.config.prefix
    assert sorted(synthesized.stacks) == sorted(
        f"{prefix}-{concern}" for concern in ("data", "serving", "pipeline", "monitoring")
    )


def test_no_stack_has_cdk_nag_errors(synthesized: Synthesized) -> None:
    errors = {name: nag_errors(synthesized.outdir, name) for name in synthesized.stacks}
    assert errors == {name: [] for name in synthesized.stacks}


def test_templates_pass_cfn_lint(synthesized: Synthesized) -> None:
    templates = sorted(str(p) for p in synthesized.outdir.glob("*.template.json"))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "--format", "parseable", *templates],
        capture_output=True,
        text=True,
        check=False,
    )
    # Exit code bit 2 means errors; warnings (bit 4) on CDK-generated dependencies are tolerated.
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert errors == []
    assert result.returncode & 2 == 0, result.stdout


def test_every_function_shares_one_asset_holding_only_the_lambdas_package(
    synthesized: Synthesized,
) -> None:
    # Given every Python function of every stack
    keys = {
        f["Properties"]["Code"]["S3Key"]
        for name in synthesized.stacks
        for f in synthesized.templates[name].find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").startswith("lambdas.")
    }
    # Then they all point at one asset, and that asset is exactly the package's .py files
    assert len(keys) == 1
    (staged,) = [d for d in synthesized.outdir.glob("asset.*") if (d / "lambdas").is_dir()]
    files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())
    expected = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "lambdas").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert files == expected


def _context(**model_changes: object) -> dict:
    document = json.loads((ROOT / "cdk.json").read_text())["context"]
    context = json.loads(json.dumps(document[CONTEXT_KEY]))
    context["model"].update(model_changes)
    return context


@pytest.mark.parametrize(
    ("model_changes", "field"),
    [
        ({"features": [{"name": "distance_km", "type": "text"}]}, "model.features[0].type"),
        ({"metric": "accuracy"}, "model.metric"),
        ({"target": None}, "model.target"),
    ],
)
def test_bad_config_is_refused_naming_the_field(model_changes: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{re.escape(field)}:"):
        load_config(_context(**model_changes), "dev")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"alpha": 1.5}, "quality.alpha"),
        ({"min_labels": 3}, "quality.min_labels"),
        ({"schedule": "every hour"}, "quality.schedule"),
        ({"tolerance": "a lot"}, "quality.tolerance"),
        ({"lookback": 24}, "quality.lookback"),
    ],
)
def test_bad_quality_config_is_refused_naming_the_field(changes: dict, field: str) -> None:
    context = _context()
    context["quality"] = {**context["quality"], **changes}
    with pytest.raises(ConfigError, match=rf"^{re.escape(field)}:"):
        load_config(context, "dev")


def test_a_promotion_alpha_outside_0_1_is_refused() -> None:
    context = _context()
    context["promotion"] = {**context["promotion"], "alpha": 0}
    with pytest.raises(ConfigError, match=r"^promotion\.alpha:"):
        load_config(context, "dev")


def test_a_promotion_label_horizon_under_an_hour_is_refused() -> None:
    context = _context()
    context["promotion"] = {**context["promotion"], "label_horizon_hours": 0}
    with pytest.raises(ConfigError, match=r"^promotion\.label_horizon_hours:"):
        load_config(context, "dev")


def test_cdk_entry_point_reports_a_bad_config_in_one_line(capsys: pytest.CaptureFixture) -> None:
    # Given an app whose context names a metric that does not fit the task
    app = cdk.App(context={CONTEXT_KEY: _context(metric="accuracy"), ENVIRONMENT_KEY: "dev"})

    # When the CDK entry point runs
    exit_code = main(app)

    # Then it fails with one line naming the field, and no traceback
    err = capsys.readouterr().err
    assert exit_code == 1
    assert err.count("\n") == 1
    assert "model.metric" in err
    assert "Traceback" not in err


def test_functions_run_existing_handlers_with_known_settings(synthesized: Synthesized) -> None:
    # Given every shadowloop function of every stack
    functions = [
        f["Properties"]
        for name in synthesized.stacks
        for f in synthesized.templates[name].find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").startswith("lambdas.")
    ]
    known = {v for name, v in vars(environment).items() if name.isupper() and isinstance(v, str)}
    # Then each handler module exists and each variable is one the Lambdas read by name
    assert len(functions) == 12
    for function in functions:
        module = function["Handler"].rsplit(".", 1)[0]
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module
        variables = set(function["Environment"]["Variables"])
        unknown = {v for v in variables - known if not v.startswith("POWERTOOLS_")}
        assert unknown == set(), function["Handler"]


def test_prediction_records_are_kept_a_year_unless_configured() -> None:
    context = _context()
    default = load_config(context, "dev").serving.audit_retention_days
    context["serving"]["audit_retention_days"] = 730
    configured = load_config(context, "dev").serving.audit_retention_days
    del context["serving"]["audit_retention_days"]
    omitted = load_config(context, "dev").serving.audit_retention_days

    assert (default, configured, omitted) == (365, 730, 365)


@pytest.mark.parametrize("days", [0, -1, "365", 36.5])
def test_a_bad_audit_retention_is_refused_naming_the_field(days: object) -> None:
    context = _context()
    context["serving"]["audit_retention_days"] = days

    with pytest.raises(ConfigError, match=r"^serving\.audit_retention_days:"):
        load_config(context, "dev")
