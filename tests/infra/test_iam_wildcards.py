"""Every wildcard an IAM policy grants is in the reasoned allow-list, and every entry is used.

A finding is one (principal, action, resource) of an Allow statement where the action holds
a ``*``, or the resource holds a ``*`` and the statement has no Condition. Deny statements
only take away, so their wildcards are not grants. The allow-list (iam_wildcards.json) is its
own file rather than derived from the cdk-nag suppressions: those are regexes broad enough to
cover any object key of any bucket, so a list derived from them would approve whatever
cdk-nag approves and give no second opinion.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import Synthesized, render

ALLOW_LIST = Path(__file__).with_name("iam_wildcards.json")
FIELDS = ("principal", "action", "resource", "reason")
# CDK's logical IDs end in an 8-character hash of the construct path.
HASH_SUFFIX = re.compile(r"[0-9A-F]{8}$")


@dataclass(frozen=True)
class Grant:
    principal: str  # "<concern>/<logical ID without its hash>", e.g. "pipeline/ValidateDataRole"
    action: str
    resource: str

    def __str__(self) -> str:
        return f"{self.principal}: {self.action} on {self.resource}"


def name(concern: str, reference: Any) -> str:
    """The principal's readable name: a Ref'd logical ID without its hash, or the rendering."""
    if isinstance(reference, dict) and set(reference) == {"Ref"}:
        return f"{concern}/{HASH_SUFFIX.sub('', reference['Ref'])}"
    return f"{concern}/{text(reference)}"


def documents(concern: str, logical_id: str, resource: dict[str, Any]) -> list[tuple[str, dict]]:
    """(principal, policy document) for every policy a resource carries."""
    kind, props = resource["Type"], resource.get("Properties", {})
    own = name(concern, {"Ref": logical_id})
    if kind == "AWS::IAM::Policy":
        return [(name(concern, role), props["PolicyDocument"]) for role in props.get("Roles", [])]
    if kind == "AWS::IAM::ManagedPolicy":
        return [(own, props["PolicyDocument"])]
    if kind == "AWS::IAM::Role":
        return [(own, policy["PolicyDocument"]) for policy in props.get("Policies", [])]
    if kind == "AWS::KMS::Key":
        return [(own, props["KeyPolicy"])]
    if kind == "AWS::S3::BucketPolicy":
        return [(name(concern, props["Bucket"]), props["PolicyDocument"])]
    if kind == "AWS::SNS::TopicPolicy":
        return [(name(concern, topic), props["PolicyDocument"]) for topic in props["Topics"]]
    if "PolicyDocument" in props:
        return [(own, props["PolicyDocument"])]
    return []


def text(value: Any) -> str:
    """An ARN as text; ``conftest.render`` plus the Select/Split of the registry's group name."""
    if isinstance(value, dict) and set(value) & {"Fn::Select", "Fn::Split"}:
        return "<Select>"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(text(part) for part in parts)
    return render(value)


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_grants(document: dict[str, Any], principal: str) -> list[Grant]:
    found = []
    for statement in listed(document["Statement"]):
        if statement["Effect"] != "Allow":
            continue
        for action in listed(statement.get("Action", [])):
            for resource in map(text, listed(statement.get("Resource", []))):
                unconditioned = "*" in resource and "Condition" not in statement
                if "*" in action or unconditioned:
                    found.append(Grant(principal, action, resource))
    return found


def managed_policies(concern: str, logical_id: str, resource: dict[str, Any]) -> list[Grant]:
    """An AWS-managed policy is opaque to the template: each attachment is a finding."""
    if resource["Type"] != "AWS::IAM::Role":
        return []
    arns = resource.get("Properties", {}).get("ManagedPolicyArns", [])
    return [
        Grant(name(concern, {"Ref": logical_id}), "<managed policy>", text(arn)) for arn in arns
    ]


def all_grants(synthesized: Synthesized) -> list[Grant]:
    grants = []
    for stack_name, template in synthesized.templates.items():
        concern = stack_name.removeprefix(f"{synthesized.config.prefix}-")
        for logical_id, resource in template.to_json()["Resources"].items():
            for principal, document in documents(concern, logical_id, resource):
                grants += wildcard_grants(document, principal)
            grants += managed_policies(concern, logical_id, resource)
    return grants


def matches(entry: dict[str, Any], grant: Grant, prefix: str = "") -> bool:
    """Whether the entry's patterns match the grant; ``{prefix}`` stands for the stage prefix."""
    return all(
        any(
            fnmatchcase(getattr(grant, field), pattern.replace("{prefix}", prefix))
            for pattern in listed(entry[field])
        )
        for field in ("principal", "action", "resource")
    )


@pytest.fixture(scope="module")
def allow_list() -> list[dict[str, Any]]:
    return json.loads(ALLOW_LIST.read_text())["allow"]


@pytest.fixture(scope="module")
def grants(synthesized: Synthesized) -> list[Grant]:
    return all_grants(synthesized)


def test_every_entry_names_principal_action_resource_and_a_reason(allow_list) -> None:
    incomplete = [e for e in allow_list if any(not str(e.get(f, "")).strip() for f in FIELDS)]
    assert incomplete == []


def test_every_wildcard_grant_is_allowed_with_a_reason(allow_list, grants, synthesized) -> None:
    prefix = synthesized.config.prefix
    unlisted = [str(g) for g in grants if not any(matches(e, g, prefix) for e in allow_list)]
    assert unlisted == []


def test_every_allow_list_entry_still_matches_a_grant(allow_list, grants, synthesized) -> None:
    prefix = synthesized.config.prefix
    stale = []
    for entry in allow_list:
        used = [g for g in grants if matches(entry, g, prefix)]
        for field in ("principal", "action", "resource"):
            for pattern in listed(entry[field]):
                p = pattern.replace("{prefix}", prefix)
                if not any(fnmatchcase(getattr(g, field), p) for g in used):
                    stale.append(f"{field} {pattern!r} of: {entry['reason']}")
    assert stale == []


def test_a_new_wildcard_is_a_finding(allow_list) -> None:
    # Given a role that grants every S3 action on every bucket
    document = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    # When it is read, Then it is one finding, and the allow-list does not cover it
    (grant,) = wildcard_grants(document, "data/NewRole")
    assert grant == Grant("data/NewRole", "s3:*", "*")
    assert not any(matches(e, grant) for e in allow_list)


def test_a_condition_scopes_a_wildcard_resource_but_not_a_wildcard_action() -> None:
    condition = {"StringEquals": {"cloudwatch:namespace": "shadowloop"}}
    document = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": condition,
            },
            {
                "Effect": "Allow",
                "Action": "s3:Get*",
                "Resource": "arn:aws:s3:::b/k",
                "Condition": condition,
            },
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        ]
    }
    assert wildcard_grants(document, "data/Role") == [
        Grant("data/Role", "s3:Get*", "arn:aws:s3:::b/k")
    ]
