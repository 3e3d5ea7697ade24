"""Functions' environments as infra sets them: from the synthesized app, names resolved for moto."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infra.config import ROOT, load_from_cdk_json
from shadowloop.localcloud.cloud import synthesize
from shadowloop.localcloud.s3_conditions import AtomicConditionalWrites

FunctionEnvironment = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def synthesized_functions() -> dict[str, dict[str, Any]]:
    """Each function's ``Environment.Variables`` in the synthesized app, by function name."""
    # The local cloud's assembly cache: one synth for every worker and the e2e tier.
    assembly = synthesize(load_from_cdk_json(), ROOT / ".shadowloop" / "assembly")
    found = {}
    for template in assembly.glob("*.template.json"):
        for resource in json.loads(template.read_text())["Resources"].values():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            handler = resource["Properties"].get("Handler", "")
            if handler.startswith("lambdas."):
                found[handler.split(".")[1]] = resource["Properties"]["Environment"]["Variables"]
    return found


@pytest.fixture
def function_environment(synthesized_functions, monkeypatch) -> FunctionEnvironment:
    """Set the variables infra gives ``name``; ``values`` fill in what only AWS resolves.

    A value is needed for each variable the template leaves to CloudFormation (bucket
    names, ARNs); ``MODEL_SPEC_URI=None`` drops the spec's URI for an inline ``MODEL_SPEC``.
    A value for a variable the function does not get is refused, so a fixture cannot
    keep a variable infra stopped setting.
    """

    def apply(name: str, **values: str | None) -> dict[str, str]:
        template = synthesized_functions[name]
        unknown = set(values) - set(template)
        assert not unknown, f"{name} does not get {sorted(unknown)}"
        environment = {}
        for variable, value in template.items():
            chosen = values.get(variable, value)
            if variable in values and chosen is None:
                continue
            assert isinstance(chosen, str), f"{name}: give {variable} a value for moto"
            environment[variable] = chosen
        for variable, value in environment.items():
            monkeypatch.setenv(variable, value)
        return environment

    return apply


@pytest.fixture
def atomic_s3() -> Iterator[None]:
    """moto's conditional PutObject made atomic as the local cloud makes it (racing tests)."""
    guard = AtomicConditionalWrites()
    guard.install()
    yield
    guard.uninstall()
