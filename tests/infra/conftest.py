"""One synthesis per test session: the app as ``cdk synth`` builds it from cdk.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Annotations, Match, Template

from infra.app import build_app
from infra.config import Config, load_from_cdk_json


@dataclass(frozen=True)
class Synthesized:
    config: Config
    outdir: Path
    stacks: dict[str, Stack]
    templates: dict[str, Template]

    def template(self, concern: str) -> Template:
        return self.templates[f"{self.config.prefix}-{concern}"]

    def resources(self, concern: str, resource_type: str) -> dict[str, Any]:
        return self.template(concern).find_resources(resource_type)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    config = load_from_cdk_json()
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = build_app(config, outdir=str(outdir))
    app.synth()
    stacks = {child.stack_name: child for child in app.node.children if isinstance(child, Stack)}
    templates = {name: Template.from_stack(stack) for name, stack in stacks.items()}
    return Synthesized(config, outdir, stacks, templates)


@pytest.fixture(scope="session")
def definition(synthesized: Synthesized) -> dict[str, Any]:
    """The pipeline's ASL with intrinsics rendered as ``<Ref:...>``-style placeholders."""
    machines = synthesized.resources("pipeline", "AWS::StepFunctions::StateMachine")
    (machine,) = machines.values()
    return json.loads(render(machine["Properties"]["DefinitionString"]))


def render(value: Any) -> str:
    """Flatten an intrinsic into text, with placeholders for what only CloudFormation knows."""
    if isinstance(value, str):
        return value
    ((function, argument),) = value.items()
    if function == "Fn::Join":
        separator, parts = argument
        return separator.join(render(part) for part in parts)
    if function == "Ref":
        return f"<Ref:{argument}>"
    if function == "Fn::GetAtt":
        return f"<GetAtt:{argument[0]}.{argument[1]}>"
    if function == "Fn::ImportValue":
        return f"<Import:{render(argument)}>"
    if function == "Fn::FindInMap":
        return f"<Map:{argument[0]}>"
    if function == "Fn::Sub":
        return argument if isinstance(argument, str) else argument[0]
    raise AssertionError(f"unexpected intrinsic {function}")


def nag_errors(stack: Stack) -> list[str]:
    found = Annotations.from_stack(stack).find_error(
        "*", Match.string_like_regexp("AwsSolutions-.*")
    )
    return [f"{m.id}: {m.entry.data}" for m in found]


def exported(synthesized: Synthesized, rendered: str) -> tuple[str, Any]:
    """The stack and the value behind one ``<Import:stack:name>`` placeholder."""
    assert rendered.startswith("<Import:") and rendered.endswith(">"), rendered
    name = rendered.removeprefix("<Import:").removesuffix(">")
    stack = name.split(":", 1)[0]
    outputs = synthesized.templates[stack].to_json()["Outputs"]
    (value,) = [o["Value"] for o in outputs.values() if o.get("Export", {}).get("Name") == name]
    return stack, value


def logical_id(synthesized: Synthesized, stack: str, resource_type: str, **props: Any) -> str:
    """The one resource of ``resource_type`` in ``stack`` whose properties include ``props``."""
    resources = synthesized.templates[stack].find_resources(resource_type)
    (found,) = [
        key
        for key, r in resources.items()
        if all(r["Properties"].get(k) == v for k, v in props.items())
    ]
    return found
