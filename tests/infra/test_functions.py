"""Each function gets exactly the variables it reads, and only grants its code uses."""

from __future__ import annotations

import importlib
import os
from fnmatch import fnmatchcase
from typing import Any

import pytest

from lambdas.shared import settings as shared_settings
from lambdas.shared.contracts.environment import FUNCTIONS
from tests.infra.calls import actions_of
from tests.infra.conftest import Synthesized

# Set on every function by the Function construct and read by Powertools, not by the code.
POWERTOOLS = "POWERTOOLS_"
# What the Lambda runtime does with the role, not the code: its logs and X-Ray segments.
RUNTIME_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}


def function_resource(synthesized: Synthesized, name: str) -> tuple[str, dict[str, Any]]:
    """The stack and the ``AWS::Lambda::Function`` running ``lambdas.<name>.handler``."""
    handler = f"lambdas.{name}.handler.handler"
    found = [
        (stack, resource)
        for stack, template in synthesized.templates.items()
        for resource in template.find_resources("AWS::Lambda::Function").values()
        if resource["Properties"].get("Handler") == handler
    ]
    assert len(found) == 1, handler
    return found[0]


def variables_set(synthesized: Synthesized, name: str) -> dict[str, Any]:
    _, function = function_resource(synthesized, name)
    variables = function["Properties"]["Environment"]["Variables"]
    return {k: v for k, v in variables.items() if not k.startswith(POWERTOOLS)}


class _Recording(dict):
    """An environment that notes every name read from it."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


def variables_read(name: str, values: dict[str, str], monkeypatch, spec: dict) -> set[str]:
    """What the function's settings readers (each ``per_cold_start`` accessor) read."""
    module = importlib.import_module(f"lambdas.{name}.settings")
    readers = [v.read for v in vars(module).values() if callable(getattr(v, "read", None))]
    assert readers, f"lambdas.{name}.settings has no per_cold_start accessor"
    recording = _Recording(values)
    monkeypatch.setattr(os, "environ", recording)
    monkeypatch.setattr(shared_settings, "_spec_object", lambda uri: spec)
    for read in readers:
        read()
    return recording.read


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_infra_sets_exactly_the_variables_the_settings_read(
    synthesized: Synthesized, name: str, monkeypatch
) -> None:
    # Given the variables the synthesized template sets (intrinsics as stand-in names)
    template = variables_set(synthesized, name)
    values = {
        k: v if isinstance(v, str) else "s3://resolved/at-deploy-time" for k, v in template.items()
    }
    # When the function's settings are read from them
    read = variables_read(name, values, monkeypatch, synthesized.config.model.to_dict())
    # Then the settings read every variable set, and nothing that is not set
    assert read == set(template)


def granted_actions(synthesized: Synthesized, name: str) -> set[str]:
    """Every action in the policies attached to the function's role."""
    stack, function = function_resource(synthesized, name)
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    actions: set[str] = set()
    for policy in synthesized.templates[stack].find_resources("AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"].get("Roles", []):
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            listed = statement["Action"]
            actions |= {listed} if isinstance(listed, str) else set(listed)
    return actions


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_grant_is_used_by_the_function_code(synthesized: Synthesized, name: str) -> None:
    # Given the IAM actions the function's code can request (from its source)
    used = actions_of(name)
    # When its role's grants are read from the template
    granted = granted_actions(synthesized, name) - RUNTIME_ACTIONS
    # Then each grant (an action or an action family) covers one of those requests
    unused = {g for g in granted if not any(fnmatchcase(action, g) for action in used)}
    assert unused == set()
    assert granted, name
