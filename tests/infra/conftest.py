"""One synthesis for the whole run: the app as ``cdk synth`` builds it from cdk.json.

It is the local cloud's assembly cache, so the infra tests, the function environments of
the integration tier and the e2e tier all read the same templates, synthesized once.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.config import ROOT, Config, load_from_cdk_json
from shadowloop.localcloud.cloud import synthesize


@dataclass(frozen=True)
class Synthesized:
    config: Config
    outdir: Path
    stacks: list[str]
    templates: dict[str, Template]

    def template(self, concern: str) -> Template:
        return self.templates[f"{self.config.prefix}-{concern}"]

    def resources(self, concern: str, resource_type: str) -> dict[str, Any]:
        return self.template(concern).find_resources(resource_type)


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    config = load_from_cdk_json()
    outdir = synthesize(config, ROOT / ".shadowloop" / "assembly")
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = sorted(
        name
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    )
    templates = {
        name: Template.from_json(json.loads((outdir / f"{name}.template.json").read_text()))
        for name in stacks
    }
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


def nag_errors(outdir: Path, stack: str) -> list[str]:
    """The stack's unsuppressed cdk-nag errors, from the report cdk-nag writes at synth."""
    (path,) = outdir.glob(f"AwsSolutions-*{stack}-NagReport.csv")
    with path.open(newline="") as report:
        rows = list(csv.DictReader(report))
    return [
        f"{row['Resource ID']}: {row['Rule ID']} {row['Rule Info']}"
        for row in rows
        if row["Compliance"] == "Non-Compliant" and row["Rule Level"] == "Error"
    ]


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
