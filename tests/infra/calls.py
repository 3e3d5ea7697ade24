"""The IAM actions a function's code can request, derived from its source.

The modules a handler imports (``lambdas.*``, followed transitively) are read with
``ast``: the services it creates clients for (``clients.s3()``,
``clients.client("sns")``) and the attribute names it uses on anything (called, or
passed on as ``ctx.sagemaker.list_models``). A name that is an operation of one of
those services (botocore's model, e.g. ``get_object`` → ``GetObject``), or one of
boto3's managed transfers, is a call; the local cloud's IAM mapping
(``shadowloop.localcloud.access.operations``) turns each call into the requests
AWS evaluates, the ones a service makes for the caller (SSE-KMS, PassRole) included.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
from botocore import xform_name

from shadowloop.localcloud.access import operations
from shadowloop.localcloud.access.operations import AssumeCheck, Call, Check

ROOT = Path(__file__).resolve().parents[2]
# Where clients are made, not used: scanning it would name every service.
CLIENT_FACTORY = "lambdas.shared.clients"
FACTORY_SERVICES = {
    "s3": "s3",
    "sagemaker": "sagemaker",
    "sagemaker_runtime": "sagemaker-runtime",
    "stepfunctions": "stepfunctions",
    "cloudwatch": "cloudwatch",
}
# boto3's managed transfers: the operations they send (a copy under the multipart size).
TRANSFERS = {("s3", "copy"): ("HeadObject", "CopyObject")}
# What AWS authorizes beside the call itself: tags given on create need sagemaker:AddTags.
TAGGED_CREATES = {"CreateModel", "CreateEndpointConfig", "CreateEndpoint", "CreateModelPackage"}


def modules_of(function: str) -> set[str]:
    """``lambdas.<function>.handler`` and every ``lambdas`` module it imports, transitively."""
    seen: set[str] = set()
    pending = [f"lambdas.{function}.handler"]
    while pending:
        module = pending.pop()
        if module in seen or _path(module) is None:
            continue
        seen.add(module)
        pending += _imports(module)
    return seen


def _path(module: str) -> Path | None:
    base = ROOT / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _tree(module: str) -> ast.Module:
    path = _path(module)
    assert path is not None, module
    return ast.parse(path.read_text())


def _imports(module: str) -> list[str]:
    found = []
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("lambdas.")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lambdas"):
            found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names]
    return found


def _services_and_methods(modules: set[str]) -> tuple[set[str], set[str]]:
    services: set[str] = set()
    methods: set[str] = set()
    for module in modules:
        for node in ast.walk(_tree(module)):
            if isinstance(node, ast.Attribute) and not _constant_owner(node):
                methods.add(node.attr)
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            if name == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                methods.add(node.args[0].value)
            owner = node.func.value
            if module == CLIENT_FACTORY or not (
                isinstance(owner, ast.Name) and owner.id == "clients"
            ):
                continue
            if name in FACTORY_SERVICES:
                services.add(FACTORY_SERVICES[name])
            elif name == "client" and node.args and isinstance(node.args[0], ast.Constant):
                services.add(node.args[0].value)
    return services, methods


def _constant_owner(node: ast.Attribute) -> bool:
    """``re.search`` or ``_PATTERN.search``: a module or constant, never a client."""
    owner = node.value
    return isinstance(owner, ast.Name) and (owner.id == "re" or owner.id.lstrip("_").isupper())


@cache
def _operations(service: str) -> dict[str, str]:
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


def calls_of(function: str) -> set[tuple[str, str]]:
    """``(service, Operation)`` pairs the function's code can make."""
    services, methods = _services_and_methods(modules_of(function))
    found = {
        (service, operation)
        for service in services
        for method, operation in _operations(service).items()
        if method in methods
    }
    for (service, method), sent in TRANSFERS.items():
        if service in services and method in methods:
            found |= {(service, operation) for operation in sent}
    return found


def actions_of(function: str) -> set[str]:
    """Every IAM action those calls request, whichever optional parameters they pass."""
    actions: set[str] = set()
    for service, operation in calls_of(function):
        for params in (_Params(present=True), _Params(present=False)):
            call = Call(service, operation, params, "us-east-1", _Store())  # type: ignore[arg-type]
            for check in operations.checks_for(call):
                if isinstance(check, Check):
                    actions.add(check.action)
                else:
                    assert isinstance(check, AssumeCheck)
        if service == "sagemaker" and operation in TAGGED_CREATES:
            actions.add("sagemaker:AddTags")
    if _reads_missing_keys(function):
        # S3 answers a read of a missing key with 404 only to a caller that may list the bucket.
        actions.add("s3:ListBucket")
    return actions | table_key_actions(function)


def _reads_missing_keys(function: str) -> bool:
    """The code reads S3 objects and tells a missing key ("NoSuchKey") from other errors."""
    reads = {("s3", "GetObject"), ("s3", "HeadObject")} & calls_of(function)
    constants = {
        node.value
        for module in modules_of(function)
        for node in ast.walk(_tree(module))
        if isinstance(node, ast.Constant)
    }
    return bool(reads) and "NoSuchKey" in constants


class _Value(str):
    """Any parameter value: a name, a nested structure, a one-item list."""

    def __new__(cls) -> _Value:
        return super().__new__(cls, "name")

    def get(self, key: str, default: Any = None) -> _Value:
        return _Value()

    def __getitem__(self, key: Any) -> _Value:  # type: ignore[override]
        return _Value()

    def __iter__(self):  # type: ignore[override]
        return iter([_Value()])


class _Params(dict):
    """Required parameters are always there; optional ones all there, or all absent."""

    def __init__(self, *, present: bool) -> None:
        super().__init__()
        self.present = present

    def __getitem__(self, key: str) -> _Value:
        return _Value()

    def get(self, key: str, default: Any = None) -> Any:
        return _Value() if self.present else default


class _Store:
    """Every bucket, object and topic encrypted; every endpoint config has a model role."""

    key = "arn:aws:kms:us-east-1:123456789012:key/k"

    def key_arn(self, key: str) -> str:
        return self.key

    def object_key(self, bucket: str, key: str, version_id: str | None) -> str:
        return self.key

    def bucket_key(self, bucket: str) -> str:
        return self.key

    def topic_key(self, topic: str) -> str:
        return self.key

    def model_roles(self, config: str) -> list[str]:
        return ["arn:aws:iam::123456789012:role/model"]


# What DynamoDB asks of a table's customer-managed key with the caller's rights, by call
# (the local cloud does not model table keys).
TABLE_KEY_READS = {"GetItem", "BatchGetItem", "Query", "Scan"}
TABLE_KEY_USE = {
    "read": {"kms:Decrypt", "kms:DescribeKey"},
    "write": {
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
    },
}


def table_key_actions(function: str) -> set[str]:
    """The key uses of the function's DynamoDB calls (every table is encrypted with the key)."""
    found: set[str] = set()
    for service, operation in calls_of(function):
        if service == "dynamodb":
            found |= TABLE_KEY_USE["read" if operation in TABLE_KEY_READS else "write"]
    return found
