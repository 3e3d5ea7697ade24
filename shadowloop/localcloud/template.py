"""Read a synthesized cloud assembly and resolve CloudFormation intrinsics to local values.

The local cloud deploys exactly what ``cdk synth`` wrote: this module turns the
templates' ``Ref``/``Fn::*`` expressions into the names the local resources got.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"


class TemplateError(RuntimeError):
    """The template uses something the local cloud cannot resolve."""


@dataclass
class Stack:
    name: str
    template: dict[str, Any]
    assets: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.get("Resources", {})

    def imports(self) -> set[str]:
        return set(_find_key(self.template, "Fn::ImportValue", as_text=True))


@dataclass
class Attributes:
    """What Ref and Fn::GetAtt give for one provisioned resource."""

    ref: str
    attrs: dict[str, str] = field(default_factory=dict)


def load_assembly(outdir: Path) -> list[Stack]:
    """The stacks of a cloud assembly, ordered so that exporters come before importers."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = []
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = artifact["properties"]
        template = json.loads((outdir / props["templateFile"]).read_text())
        assets_file = outdir / f"{artifact_id}.assets.json"
        assets = json.loads(assets_file.read_text()) if assets_file.exists() else {}
        stacks.append(Stack(props.get("stackName", artifact_id), template, assets))
    return _order(stacks)


def _order(stacks: list[Stack]) -> list[Stack]:
    exports = {}
    for stack in stacks:
        for output in stack.template.get("Outputs", {}).values():
            name = output.get("Export", {}).get("Name")
            if isinstance(name, str):
                exports[name] = stack.name
    ordered: list[Stack] = []
    pending = list(stacks)
    while pending:
        done = {s.name for s in ordered}
        ready = [s for s in pending if {exports.get(i) for i in s.imports()} - {None} <= done]
        if not ready:
            raise TemplateError("stacks import each other in a cycle")
        ordered.extend(ready)
        pending = [s for s in pending if s not in ready]
    return ordered


def resource_order(resources: dict[str, dict[str, Any]]) -> list[str]:
    """Logical ids in dependency order (Ref, Fn::GetAtt, Fn::Sub names and DependsOn)."""
    deps = {}
    for logical_id, resource in resources.items():
        found = set(_references(resource.get("Properties", {})))
        depends = resource.get("DependsOn", [])
        found |= set([depends] if isinstance(depends, str) else depends)
        deps[logical_id] = {d for d in found if d in resources and d != logical_id}
    ordered: list[str] = []
    placed: set[str] = set()
    while len(ordered) < len(resources):
        ready = sorted(r for r in resources if r not in placed and deps[r] <= placed)
        if not ready:
            raise TemplateError("resources depend on each other in a cycle")
        ordered.extend(ready)
        placed.update(ready)
    return ordered


class Resolver:
    """Resolves intrinsic functions against what has been provisioned so far."""

    def __init__(self, *, region: str, stack_name: str, exports: dict[str, str]) -> None:
        self.region = region
        self.stack_name = stack_name
        self.exports = exports
        self.resources: dict[str, Attributes] = {}
        self.mappings: dict[str, Any] = {}
        self.conditions: dict[str, bool] = {}
        self.parameters: dict[str, str] = {}
        # CloudFormation gives every stack it creates a new id; names derived from it differ.
        self.stack_uuid = "local"

    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{ACCOUNT}:stack/"
            f"{self.stack_name}/{self.stack_uuid}",
        }.get(name)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(item) for item in value) if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            function = self._functions().get(key)
            if function is not None:
                return function(arg)
        out = {}
        for key, item in value.items():
            resolved = self.resolve(item)
            if resolved is not _NO_VALUE:
                out[key] = resolved
        return out

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Sub": self._sub,
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::Split": lambda a: self.resolve(a[1]).split(a[0]),
            "Fn::FindInMap": self._find_in_map,
            "Fn::ImportValue": self._import,
            "Fn::If": self._if,
            "Fn::Equals": lambda a: self.resolve(a[0]) == self.resolve(a[1]),
            "Fn::Contains": lambda a: self.resolve(a[1]) in self.resolve(a[0]),
            "Fn::Not": lambda a: not self.resolve(a[0]),
            "Fn::And": lambda a: all(self.resolve(x) for x in a),
            "Fn::Or": lambda a: any(self.resolve(x) for x in a),
            "Condition": lambda name: self.conditions[name],
            "Fn::GetAZs": lambda _: [f"{self.region}{z}" for z in "abc"],
            "Fn::Base64": lambda a: self.resolve(a),
        }

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.parameters:
            return self.parameters[name]
        if name not in self.resources:
            raise TemplateError(f"Ref to {name!r}, which is not provisioned yet")
        return self.resources[name].ref

    def _get_att(self, arg: Any) -> str:
        logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
        attribute = self.resolve(attribute)
        resource = self.resources.get(logical_id)
        if resource is None:
            raise TemplateError(f"Fn::GetAtt on {logical_id!r}, which is not provisioned yet")
        if attribute not in resource.attrs:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is not known locally")
        return resource.attrs[attribute]

    def _join(self, arg: list[Any]) -> str:
        separator, items = arg
        return separator.join(str(i) for i in self.resolve(items))

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else arg
        variables = self.resolve(variables)

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                return str(self._get_att(name))
            return str(self._ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _find_in_map(self, arg: list[Any]) -> Any:
        name, top, second = (self.resolve(a) for a in arg)
        try:
            return self.mappings[name][top][second]
        except KeyError:
            raise TemplateError(f"Fn::FindInMap {name}/{top}/{second} has no value") from None

    def _import(self, arg: Any) -> str:
        name = self.resolve(arg)
        if name not in self.exports:
            raise TemplateError(f"Fn::ImportValue {name!r} is not exported by any stack")
        return self.exports[name]

    def _if(self, arg: list[Any]) -> Any:
        condition, when_true, when_false = arg
        return self.resolve(when_true if self.conditions[condition] else when_false)

    def check_rules(self, rules: dict[str, Any]) -> None:
        """Evaluate template rules before any resource, as CloudFormation does."""
        for name, rule in rules.items():
            if "RuleCondition" in rule and not self.resolve(rule["RuleCondition"]):
                continue
            for assertion in rule.get("Assertions", []):
                if not self.resolve(assertion["Assert"]):
                    description = assertion.get("AssertDescription", "assertion failed")
                    raise TemplateError(f"{self.stack_name}: template rule {name}: {description}")

    def evaluate_conditions(self, conditions: dict[str, Any]) -> None:
        pending = dict(conditions)
        while pending:
            progressed = False
            for name, expression in list(pending.items()):
                try:
                    self.conditions[name] = bool(self.resolve(expression))
                except KeyError:
                    continue
                del pending[name]
                progressed = True
            if not progressed:
                raise TemplateError(f"cannot evaluate conditions {sorted(pending)}")


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


_NO_VALUE = _NoValue()


def _references(value: Any) -> Iterable[str]:
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                yield item
            elif key == "Fn::GetAtt":
                yield item.split(".")[0] if isinstance(item, str) else item[0]
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                for name in re.findall(r"\$\{([^}!]+)\}", text):
                    yield name.split(".")[0]
                if not isinstance(item, str):
                    yield from _references(item[1])
            else:
                yield from _references(item)


def _find_key(value: Any, wanted: str, *, as_text: bool) -> Iterable[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _find_key(item, wanted, as_text=as_text)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == wanted and (isinstance(item, str) or not as_text):
                yield item
            else:
                yield from _find_key(item, wanted, as_text=as_text)
