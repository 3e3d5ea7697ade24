"""Functions' environments as infra sets them: from the synthesized app, names resolved for moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from infra.app import build_app
from infra.config import load_from_cdk_json
from shadowloop.localcloud.s3_conditions import AtomicConditionalWrites

FunctionEnvironment = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def synthesized_functions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each function's ``Environment.Variables`` in the synthesized app, by function name."""
    app = build_app(load_from_cdk_json(), outdir=str(tmp_path_factory.mktemp("cdk.out")))
    app.synth()
    found = {}
    for stack in (c for c in app.node.children if isinstance(c, Stack)):
        for resource in Template.from_stack(stack).find_resources("AWS::Lambda::Function").values():
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
