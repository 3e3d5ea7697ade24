"""Request checks in plain Python: the body, the prediction records and feedback.

Pure functions; each failure raises an :mod:`lambdas.api.errors` class whose message
names the field and the problem. Plain code rather than pydantic keeps cold starts short.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from lambdas.api import errors
from lambdas.shared.contracts import feedback as feedback_contract
from lambdas.shared.settings import ModelSpec

MAX_BODY_BYTES = 256 * 1024
"""Largest accepted request body (256 KiB): about 1,000 records of ten features."""

MAX_DEPTH = 16
"""Deepest accepted nesting of arrays and objects; a request needs three."""

# Digits of the largest finite float (about 1.8e308): longer integers cannot be a feature.
_MAX_INTEGER_DIGITS = 309

JSON_CONTENT_TYPE = "application/json"
_INFERENCE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@dataclass(frozen=True)
class Feedback:
    inference_id: str
    actual: float | int | str


def parse_body(
    body: str | None,
    *,
    content_type: str | None,
    base64_encoded: bool = False,
    max_bytes: int = MAX_BODY_BYTES,
) -> dict[str, Any]:
    """The request body as a JSON object; NaN and Infinity are refused."""
    if not body:
        raise errors.InvalidBody("request body is empty; send a JSON object")
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_CONTENT_TYPE:
        shown = repr(content_type) if content_type else "none"
        raise errors.UnsupportedMediaType(f"Content-Type must be {JSON_CONTENT_TYPE}, got {shown}")
    raw = _decode(body) if base64_encoded else _utf8(body)
    if len(raw) > max_bytes:
        raise errors.PayloadTooLarge(
            f"request body is {len(raw)} bytes; the limit is {max_bytes} bytes"
        )
    try:
        document = json.loads(raw, parse_constant=_refuse_constant, parse_int=_integer)
    except json.JSONDecodeError as exc:
        raise errors.InvalidJson(
            f"request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except UnicodeDecodeError:
        raise errors.InvalidJson("request body is not valid UTF-8") from None
    except RecursionError:
        raise errors.InvalidJson(_too_deep()) from None
    if not isinstance(document, dict):
        raise errors.InvalidBody(f"request body must be a JSON object, got {_json_type(document)}")
    _check_depth(document)
    return document


def text_value(where: str, value: str) -> str:
    """A string that can be written back as UTF-8 (to a capture, a CSV): no lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.InvalidInput(
            f"{where}: text is not valid Unicode (a lone surrogate)"
        ) from None
    return value


def instances(document: dict[str, Any], spec: ModelSpec, max_batch: int) -> list[dict[str, Any]]:
    """The records of a predict request, each checked against the model spec's features."""
    _only_fields(document, {"instances"})
    records = document.get("instances")
    if not isinstance(records, list):
        raise errors.InvalidInput(
            f"'instances' must be a list of records, got {_json_type(records)}"
        )
    if not records:
        raise errors.InvalidInput(f"'instances' is empty; send 1 to {max_batch} records")
    if len(records) > max_batch:
        raise errors.InvalidInput(
            f"'instances' has {len(records)} records; the limit is {max_batch}"
        )
    return [record(i, r, spec) for i, r in enumerate(records)]


def record(index: int, raw: Any, spec: ModelSpec) -> dict[str, Any]:
    """One record (instance ``index``, counted from 0) with exactly the spec's features.

    The fairness group column, when the model does not use it, may come along: it goes to
    the endpoint so data capture keeps it for per-group monitoring; the model ignores it.
    """
    where = f"instance {index}"
    if not isinstance(raw, dict):
        raise errors.InvalidInput(f"{where}: expected an object of features, got {_json_type(raw)}")
    names = spec.feature_names
    missing = [n for n in names if n not in raw]
    if missing:
        raise errors.InvalidInput(f"{where}: missing feature(s) {_quoted(missing)}")
    attributes = [n for n in spec.attributes if n in raw]
    for name in attributes:
        value = raw[name]
        if not (isinstance(value, str) or _is_number(value)):
            raise errors.InvalidInput(
                f"{where}: attribute '{name}' must be a string or a number, got {_shown(value)}"
            )
        if isinstance(value, str):
            text_value(f"{where}, '{name}'", value)
    unknown = [n for n in raw if n not in names and n not in attributes]
    if unknown:
        raise errors.InvalidInput(f"{where}: unknown feature(s) {_quoted(unknown)}")
    for feature in spec.features:
        value = raw[feature.name]
        if feature.type == "numeric" and not _is_number(value):
            raise errors.InvalidInput(
                f"{where}: feature '{feature.name}' must be a number, got {_shown(value)}"
            )
        if feature.type == "categorical" and not isinstance(value, str):
            raise errors.InvalidInput(
                f"{where}: feature '{feature.name}' must be a string, got {_shown(value)}"
            )
        if isinstance(value, str):
            text_value(f"{where}, '{feature.name}'", value)
    return {name: raw[name] for name in (*names, *attributes)}


def inference_id(raw: str) -> str:
    """An inference id from a URL path, in the alphabet /predict hands out."""
    if not _INFERENCE_ID.match(raw):
        raise errors.InvalidInferenceId(
            f"inference id {_shown(raw)} is malformed: expected 1-128 letters, digits, '_' or '-'"
        )
    return raw


def feedback(document: dict[str, Any], task: str) -> Feedback:
    """A feedback request: the inference id and the observed ``actual`` value."""
    _only_fields(document, {"inference_id", "actual"})
    inference_id = document.get("inference_id")
    if not isinstance(inference_id, str) or not _INFERENCE_ID.match(inference_id):
        raise errors.InvalidInput(
            f"'inference_id' must be the id returned by /predict, got {_shown(inference_id)}"
        )
    if "actual" not in document:
        raise errors.InvalidInput("'actual' is missing; send the observed value")
    actual = document["actual"]
    if task == "regression" and not _is_number(actual):
        raise errors.InvalidInput(f"'actual' must be a number, got {_shown(actual)}")
    if not (_is_number(actual) or (isinstance(actual, str) and actual)):
        raise errors.InvalidInput(
            f"'actual' must be a number or a non-empty string, got {_shown(actual)}"
        )
    if isinstance(actual, str):
        text_value("'actual'", actual)
        size = len(actual.encode("utf-8"))
        if size > feedback_contract.MAX_LABEL_BYTES:
            raise errors.InvalidInput(
                f"'actual' is {size} bytes; a label may have at most "
                f"{feedback_contract.MAX_LABEL_BYTES}"
            )
    elif not _storable(actual):
        raise errors.InvalidInput(
            f"'actual' {_shown(actual)} is outside the numbers the audit record holds "
            "(|x| from 1e-130 to under 1e126, or 0; at most 38 digits)"
        )
    return Feedback(inference_id=inference_id, actual=actual)


def _storable(number: float | int) -> bool:
    """A DynamoDB number: zero, or a magnitude in [1e-130, 1e126) with at most 38 digits."""
    if isinstance(number, int):
        return len(str(abs(number))) <= 38
    return number == 0 or 1e-130 <= abs(number) < 1e126


def _decode(body: str) -> bytes:
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise errors.InvalidBody("request body is flagged base64 but does not decode") from None


def _utf8(body: str) -> bytes:
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.InvalidJson("request body is not valid UTF-8") from None


def _integer(digits: str) -> int:
    """A JSON integer, refused when no float can hold it (features become floats)."""
    length = len(digits.lstrip("-"))
    try:
        if length > _MAX_INTEGER_DIGITS:
            raise OverflowError
        value = int(digits)
        float(value)
    except OverflowError:
        raise errors.InvalidInput(
            f"request body contains a {length}-digit integer; numbers must fit a float"
        ) from None
    return value


def _too_deep() -> str:
    return f"request body is nested deeper than {MAX_DEPTH} levels"


def _check_depth(document: Any) -> None:
    """Refuse nesting past MAX_DEPTH, iteratively (a deep document cannot recurse us)."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value
        if depth > MAX_DEPTH:
            raise errors.InvalidJson(_too_deep())
        pending.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def _refuse_constant(name: str) -> Any:
    raise errors.InvalidInput(f"request body contains {name}; numbers must be finite")


def _only_fields(document: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(k for k in document if k not in allowed)
    if unknown:
        raise errors.InvalidInput(f"unknown field(s) {_quoted(unknown)}")


def _is_number(value: Any) -> bool:
    # bool is an int subclass; 1e999 parses to inf, so finiteness is checked here too.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _shown(value: Any) -> str:
    """The value as the caller wrote it (JSON), shortened for a one-line message."""
    text = json.dumps(value, default=repr)
    return text if len(text) <= 40 else text[:37] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _quoted(names: list[str]) -> str:
    """Names for a one-line message: a caller's odd name is shown as JSON, shortened."""
    return ", ".join(f"'{n}'" if n.isprintable() and len(n) <= 40 else _shown(n) for n in names)
