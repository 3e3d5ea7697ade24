"""Strict requests: every AWS call is checked against its service model, as AWS checks it.

moto accepts almost any request, its Step Functions interpreter builds clients with
``parameter_validation=False``, and botocore's own validator checks only required
members and types. AWS also refuses strings, lists and maps outside their length
limits, numbers outside their range, values that do not match the member's pattern
(applied to the whole value) and values outside an enum. This module reads those
constraints from the botocore service model and refuses a violating request with the
``ValidationException`` AWS would send, before moto sees it.

The hook sits where botocore would validate: after the parameter handlers (which turn,
for example, an S3 ``CopySource`` dict into its string form) and before serialization.
It covers every client made in this process, whatever its config. A few limits AWS
enforces are not in the models; those it knows are listed in ``_UNMODELED_LIMITS``.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import regex
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from botocore.model import MapShape, OperationModel, Shape, StructureShape

PATCHED = (BaseClient, "_convert_to_request_dict")
# Every refusal is logged here too: a handler or a schedule may swallow the error itself.
LOG = logging.getLogger(__name__)
_SHOWN_CHARS = 200
_JAVA_SUPPLEMENTARY = "\\uD800\\uDC00-\\uDBFF\\uDFFF"
_NUMBER_TYPES = {"integer", "long", "float", "double"}
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "blob": (bytes, bytearray, str),
    "timestamp": (datetime.datetime, datetime.date, str, int, float),
    "structure": (Mapping,),
    "map": (Mapping,),
    "list": (list, tuple),
}


class StrictRequests:
    """Installs the check on every botocore client; uninstall restores what was there."""

    def __init__(self) -> None:
        self._previous: Any = None

    def install(self) -> None:
        previous = self._previous = getattr(*PATCHED)

        def convert_to_request_dict(client, api_params, operation_model, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
            try:
                check_request(operation_model, api_params)
            except ClientError as exc:
                service = operation_model.service_model.service_name
                LOG.warning("refused %s %s: %s", service, operation_model.name, exc)
                raise
            return previous(client, api_params, operation_model, *args, **kwargs)

        setattr(*PATCHED, convert_to_request_dict)

    def uninstall(self) -> None:
        if self._previous is not None:
            setattr(*PATCHED, self._previous)
            self._previous = None


def check_request(operation: OperationModel, params: Mapping[str, Any]) -> None:
    """Raise AWS's ``ValidationException`` when ``params`` break ``operation``'s constraints."""
    if operation.input_shape is None:
        return
    errors = list(violations(operation.input_shape, params))
    if errors:
        count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected"
        raise client_error(operation.name, "ValidationException", f"{count}: {'; '.join(errors)}")
    rule = _UNMODELED_LIMITS.get((operation.service_model.service_name, operation.name))
    if rule is not None:
        rule(operation.name, params)


def client_error(operation_name: str, code: str, message: str) -> ClientError:
    """An error response as botocore raises it for a refused call."""
    response = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": str(uuid.uuid4())},
    }
    return ClientError(response, operation_name)  # type: ignore[arg-type]


def _lambda_environment(operation_name: str, params: Mapping[str, Any]) -> None:
    """Lambda caps a function's variables at 4 KB, measured as their JSON text."""
    variables = (params.get("Environment") or {}).get("Variables") or {}
    measured = json.dumps(variables, separators=(",", ":"))
    if len(measured.encode()) > LAMBDA_ENVIRONMENT_BYTES:
        raise client_error(
            operation_name,
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided exceeded the 4KB limit. "
            f"String measured: {measured[:_SHOWN_CHARS]}... ({len(measured)} characters)",
        )


LAMBDA_ENVIRONMENT_BYTES = 4096
_UNMODELED_LIMITS = {
    ("lambda", "CreateFunction"): _lambda_environment,
    ("lambda", "UpdateFunctionConfiguration"): _lambda_environment,
}


def violations(shape: Shape, value: Any, path: str = "") -> Iterator[str]:
    """Every constraint of ``shape`` (and of its members) that ``value`` breaks."""
    kind = shape.type_name
    if shape.serialization.get("eventstream") or kind == "document":
        return
    if kind == "string" and shape.serialization.get("jsonvalue"):  # boto3 takes an object
        return
    if kind == "blob" and not isinstance(value, (bytes, bytearray, str)):
        return  # a streaming body: a file or any readable object
    expected = _PYTHON_TYPES.get(kind)
    if expected and (
        not isinstance(value, expected) or (isinstance(value, bool) and kind != "boolean")
    ):
        yield _message(value, path, f"Member must be of type {kind}")
        return
    if kind == "structure":
        yield from _structure(shape, value, path)  # type: ignore[arg-type]
    elif kind == "list":
        yield from _size(shape, value, path)
        for i, item in enumerate(value):
            yield from violations(shape.member, item, f"{path}.{i + 1}.member")  # type: ignore[attr-defined]
    elif kind == "map":
        yield from _size(shape, value, path)
        yield from _map(shape, value, path)  # type: ignore[arg-type]
    elif kind in _NUMBER_TYPES:
        yield from _range(shape, value, path)
    elif kind in ("string", "blob"):
        yield from _size(shape, value, path)
        if kind == "string":
            yield from _string(shape, value, path)


def _structure(shape: StructureShape, value: Mapping[str, Any], path: str) -> Iterator[str]:
    members = shape.members
    for name in shape.required_members:
        if value.get(name) is None and not members[name].metadata.get("idempotencyToken"):
            yield f"Value null at '{_join(path, name)}' failed to satisfy constraint: " + (
                "Member must not be null"
            )
    for name, item in value.items():
        if name not in members:
            yield _message(item, _join(path, name), f"Member is not part of {shape.name}")
        elif item is not None:
            yield from violations(members[name], item, _join(path, name))
    if shape.is_tagged_union and sum(v is not None for v in value.values()) != 1:
        yield _message(value, path, "Member must have exactly one of its members set")


def _map(shape: MapShape, value: Mapping[Any, Any], path: str) -> Iterator[str]:
    for key, item in value.items():
        where = f"{path}.{key}"
        for error in violations(shape.key, key, where):
            yield error.replace("Member must", "Map keys must", 1)
        yield from violations(shape.value, item, where)


def _size(shape: Shape, value: Any, path: str) -> Iterator[str]:
    yield from _bounds(shape, value, len(value), path, "length")


def _range(shape: Shape, value: float, path: str) -> Iterator[str]:
    yield from _bounds(shape, value, value, path, "value")


def _bounds(shape: Shape, value: Any, measure: float, path: str, noun: str) -> Iterator[str]:
    """The model's min/max on ``measure`` (a length or the value itself), in AWS's words."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if high is not None and measure > high:
        yield _message(value, path, f"Member must have {noun} less than or equal to {high}")
    if low is not None and measure < low:
        yield _message(value, path, f"Member must have {noun} greater than or equal to {low}")


def _string(shape: Shape, value: str, path: str) -> Iterator[str]:
    if shape.enum and value not in shape.enum:
        yield _message(
            value, path, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
        )
    pattern = shape.metadata.get("pattern")
    if pattern is not None and _compiled(pattern).fullmatch(value) is None:
        yield _message(value, path, f"Member must satisfy regular expression pattern: {pattern}")


@functools.cache
def _compiled(pattern: str) -> regex.Pattern[str]:
    """Service patterns are Java regular expressions; ``regex`` knows their ``\\p{..}`` classes."""
    # Java spells the supplementary planes as a range of UTF-16 surrogate pairs.
    return regex.compile(pattern.replace(_JAVA_SUPPLEMENTARY, "\\U00010000-\\U0010FFFF"))


def _join(path: str, member: str) -> str:
    # AWS names members in lower camel case in its messages: 'appSpecification.imageUri'.
    name = member[:1].lower() + member[1:]
    return f"{path}.{name}" if path else name


def _message(value: Any, path: str, constraint: str) -> str:
    shown = value if isinstance(value, str) else repr(value)
    if len(shown) > _SHOWN_CHARS:
        shown = f"{shown[:_SHOWN_CHARS]}... ({len(shown)} characters)"
    return f"Value '{shown}' at '{path}' failed to satisfy constraint: {constraint}"
