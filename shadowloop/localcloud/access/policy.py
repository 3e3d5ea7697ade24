"""IAM policy language: does a statement apply to a request, and what do policies decide.

moto's ``IAMPolicyStatement`` was the first candidate and does not fit: it knows only
the ``StringEquals`` condition (any other operator counts as met, so CDK's TLS-only
``Deny`` would refuse every call), an ``Allow`` whose condition fails counts as a
``Deny``, and it reads neither ``NotResource`` nor service principals. This module
implements the documented evaluation rules for what the templates use: Action and
NotAction, Resource and NotResource, Principal and NotPrincipal, the String, Arn,
Bool, Null and Numeric condition operators with ``IfExists`` and the
``ForAnyValue``/``ForAllValues`` set qualifiers, and explicit deny over allow.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from shadowloop.localcloud.access.principals import Principal


class PolicyError(ValueError):
    """A policy uses something this evaluator does not implement (so nothing is guessed)."""


class Match(enum.Enum):
    """How a resource policy's Principal element names the caller."""

    NONE = 0
    ACCOUNT = 1  # the account root: the account delegates the decision to IAM
    DIRECT = 2  # the role, the session, the service, or anyone ("*")


@functools.lru_cache(maxsize=4096)
def parse(document: str) -> tuple[dict[str, Any], ...]:
    """A policy document's statements, parsed once per distinct text."""
    statements = json.loads(document).get("Statement", [])
    return tuple(statements if isinstance(statements, list) else [statements])


def statements(document: str | Mapping[str, Any] | None) -> tuple[dict[str, Any], ...]:
    if not document:
        return ()
    if isinstance(document, str):
        return parse(document)
    return parse(json.dumps(document, sort_keys=True))


def applies(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, Any]
) -> bool:
    """The statement's action, resource and conditions all cover this request."""
    if "Action" in statement:
        if not _any_like(statement["Action"], action, ignore_case=True):
            return False
    elif "NotAction" in statement and _any_like(statement["NotAction"], action, ignore_case=True):
        return False
    if "Resource" in statement:
        if not _any_like(statement["Resource"], resource):
            return False
    elif "NotResource" in statement and _any_like(statement["NotResource"], resource):
        return False
    return conditions_met(statement.get("Condition") or {}, context)


def principal_match(statement: Mapping[str, Any], principal: Principal) -> Match:
    """How a resource-policy statement's Principal (or NotPrincipal) names ``principal``."""
    if "NotPrincipal" in statement:
        named = _principal_match(statement["NotPrincipal"], principal)
        return Match.NONE if named is not Match.NONE else Match.DIRECT
    return _principal_match(statement.get("Principal"), principal)


def _principal_match(element: Any, principal: Principal) -> Match:
    if element == "*":
        return Match.DIRECT
    if not isinstance(element, Mapping):
        return Match.NONE
    if principal.is_service:
        return Match.DIRECT if principal.service in _listed(element.get("Service")) else Match.NONE
    found = Match.NONE
    for value in _listed(element.get("AWS")):
        if value in ("*", principal.arn, principal.caller_arn):
            return Match.DIRECT
        if value in (principal.account, f"arn:aws:iam::{principal.account}:root"):
            found = Match.ACCOUNT
    return found


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"  # an explicit deny
    NONE = "none"  # nothing allows


def decide(
    documents: Iterable[tuple[dict[str, Any], ...]],
    action: str,
    resource: str,
    context: Mapping[str, Any],
) -> Decision:
    """Identity-policy decision: any explicit deny wins, else any allow, else nothing."""
    allowed = False
    for document in documents:
        for statement in document:
            if not applies(statement, action, resource, context):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.NONE


def decide_resource(
    document: tuple[dict[str, Any], ...],
    principal: Principal,
    action: str,
    resource: str,
    context: Mapping[str, Any],
) -> tuple[Decision, bool]:
    """A resource policy's decision for ``principal``, and whether it delegates to IAM.

    A statement naming the account root allows nothing by itself: it lets the
    account's identity policies decide (the KMS default key policy works this way).
    """
    decision, delegated = Decision.NONE, False
    for statement in document:
        named = principal_match(statement, principal)
        if named is Match.NONE or not applies(statement, action, resource, context):
            continue
        if statement.get("Effect") == "Deny":
            return Decision.DENY, delegated
        if named is Match.DIRECT:
            decision = Decision.ALLOW
        else:
            delegated = True
    return decision, delegated


# -- conditions ------------------------------------------------------------------------


def conditions_met(block: Mapping[str, Mapping[str, Any]], context: Mapping[str, Any]) -> bool:
    """Every operator in a Condition block holds (keys are case-insensitive)."""
    lowered = {key.lower(): value for key, value in context.items()}
    for operator, tests in block.items():
        for key, expected in tests.items():
            if not _condition(operator, lowered.get(key.lower()), _listed(expected)):
                return False
    return True


def _condition(operator: str, actual: Any, expected: list[Any]) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    if name == "Null":
        return (actual is None) == (str(expected[0]).lower() == "true")
    test = _OPERATORS.get(name)
    if test is None:
        raise PolicyError(f"condition operator {operator} is not evaluated locally")
    negated = "Not" in name
    if actual is None:
        return if_exists or negated or qualifier == "ForAllValues"
    values = actual if isinstance(actual, list) else [actual]
    if qualifier == "ForAllValues":
        return all(test(value, expected) for value in values)
    if qualifier == "ForAnyValue" or not negated:
        return any(test(value, expected) for value in values)
    return all(test(value, expected) for value in values)


def _numeric(compare: Any) -> Any:
    return lambda value, expected: any(compare(float(value), float(e)) for e in expected)


_OPERATORS: dict[str, Any] = {
    "StringEquals": lambda v, e: str(v) in map(str, e),
    "StringNotEquals": lambda v, e: str(v) not in map(str, e),
    "StringEqualsIgnoreCase": lambda v, e: str(v).lower() in (str(x).lower() for x in e),
    "StringNotEqualsIgnoreCase": lambda v, e: str(v).lower() not in (str(x).lower() for x in e),
    "StringLike": lambda v, e: _any_like(e, str(v)),
    "StringNotLike": lambda v, e: not _any_like(e, str(v)),
    "ArnEquals": lambda v, e: str(v) in map(str, e),
    "ArnNotEquals": lambda v, e: str(v) not in map(str, e),
    "ArnLike": lambda v, e: _any_like(e, str(v)),
    "ArnNotLike": lambda v, e: not _any_like(e, str(v)),
    "Bool": lambda v, e: str(v).lower() in (str(x).lower() for x in e),
    "NumericEquals": _numeric(lambda a, b: a == b),
    "NumericNotEquals": lambda v, e: all(float(v) != float(x) for x in e),
    "NumericLessThan": _numeric(lambda a, b: a < b),
    "NumericLessThanEquals": _numeric(lambda a, b: a <= b),
    "NumericGreaterThan": _numeric(lambda a, b: a > b),
    "NumericGreaterThanEquals": _numeric(lambda a, b: a >= b),
}


# -- wildcards -------------------------------------------------------------------------


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _any_like(patterns: Any, value: str, *, ignore_case: bool = False) -> bool:
    return any(_like(str(p), ignore_case).fullmatch(value) for p in _listed(patterns))


@functools.lru_cache(maxsize=8192)
def _like(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM wildcards: ``*`` any run of characters, ``?`` one character, all else literal."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)
