"""A config that would make a request break an AWS limit fails synth, naming the field."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
import pytest

from infra.app import main
from infra.config import CONTEXT_KEY, ENVIRONMENT_KEY, ROOT, ConfigError, load_config
from infra.limits import check_limits

LONG_ENVIRONMENT = "analytics-team-eu-west-staging-two"


def _context() -> dict:
    context = json.loads((ROOT / "cdk.json").read_text())["context"][CONTEXT_KEY]
    context["environments"][LONG_ENVIRONMENT] = {}
    return context


def _config(section: str | None = None, **changes: object):
    context = _context()
    if section is not None:
        context[section].update(changes)
    return load_config(context, "dev")


def test_the_shipped_config_fits() -> None:
    check_limits(_config())


def test_a_long_prefix_is_refused_in_one_line_by_the_cdk_entry_point(capsys) -> None:
    # Given an environment name that makes the endpoint config names exceed 63 characters
    app = cdk.App(context={CONTEXT_KEY: _context(), ENVIRONMENT_KEY: LONG_ENVIRONMENT})

    # When the CDK entry point runs
    exit_code = main(app)

    # Then it fails with one line naming the prefix and the name that breaks
    err = capsys.readouterr().err
    assert exit_code == 1
    assert err.count("\n") == 1
    assert f"prefix: 'shadowloop-{LONG_ENVIRONMENT}' makes the endpoint config name" in err
    assert "the limit is 63" in err


@pytest.mark.parametrize(
    ("section", "changes", "field"),
    [
        ("compute", {"training_instance_type": "ml.m5.huge"}, "compute.training_instance_type"),
        ("compute", {"endpoint_instance_type": "m5.large"}, "compute.endpoint_instance_type"),
        ("compute", {"max_runtime_seconds": 0}, "compute.max_runtime_seconds"),
        (
            "model",
            {"hyperparameters": {"max_depth": "9" * 2501}},
            "model.hyperparameters.max_depth",
        ),
        ("model", {"hyperparameters": {f"h{i}": 1 for i in range(98)}}, "model.hyperparameters"),
        ("model", {"dataset": "sales,2026"}, "model.dataset"),
    ],
)
def test_request_fields_from_the_config_are_checked(section, changes, field) -> None:
    # Refused while the config is read (instance types whose storage is unknown) or by the
    # limits check: either way the one-line error names the field.
    with pytest.raises(ConfigError, match=rf"^{re.escape(field)}: "):
        check_limits(_config(section, **changes))
