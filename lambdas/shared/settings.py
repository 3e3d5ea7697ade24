"""Parsing helpers for the variables infra sets (names: ``lambdas.shared.contracts.environment``).

Each function's ``settings.py`` reads its variables through these at its first call,
never at import, so a handler module imports without any environment (tests, the local
cloud, cold starts with a bad config all fail at the first call with a message naming
the variable).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import timedelta
from functools import cache, lru_cache
from typing import Any, TypeVar

from lambdas.shared.contracts.environment import MODEL_SPEC, MODEL_SPEC_URI
from lambdas.shared.contracts.model_spec import Fairness, Feature, ModelSpec

__all__ = ["Fairness", "Feature", "ModelSpec", "model_spec"]

T = TypeVar("T")


class SettingError(RuntimeError):
    """A required environment variable is missing or malformed."""


def per_cold_start(variables: tuple[str, ...]) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """Cache a settings reader: it runs once per cold start, at the first call.

    The cache is keyed on the values of ``variables`` (and the inline spec), so it
    is read once on Lambda, where the environment never changes, and again only
    where one process changes it (tests, the local cloud's next deployment).
    """
    watched = (*variables, MODEL_SPEC)

    def decorate(read: Callable[[], T]) -> Callable[[], T]:
        @lru_cache(maxsize=1)
        def cached(_values: tuple[str | None, ...]) -> T:
            return read()

        def accessor() -> T:
            return cached(tuple(os.environ.get(name) for name in watched))

        accessor.read = read  # type: ignore[attr-defined]  # uncached, for tests
        return accessor

    return decorate


def text(name: str) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        raise SettingError(f"environment variable {name} is not set")
    return value


def optional_text(name: str) -> str | None:
    return os.environ.get(name) or None


def number(name: str) -> float:
    raw = text(name)
    try:
        return float(raw)
    except ValueError:
        raise SettingError(f"environment variable {name}={raw!r} is not a number") from None


def integer(name: str) -> int:
    raw = text(name)
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"environment variable {name}={raw!r} is not an integer") from None


def hours(name: str) -> timedelta:
    """A whole number of hours, at least one."""
    value = integer(name)
    if value < 1:
        raise SettingError(f"environment variable {name}={value} must be at least 1 hour")
    return timedelta(hours=value)


def flag(name: str) -> bool:
    return text(name).lower() in ("1", "true", "yes")


def json_value(name: str) -> Any:
    raw = text(name)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingError(f"environment variable {name} is not valid JSON: {exc}") from None


def model_spec() -> ModelSpec:
    """The spec in the S3 object ``MODEL_SPEC_URI`` names, else inline ``MODEL_SPEC`` JSON.

    Infra sets the URI: a spec with many features outgrows Lambda's 4 KB of variables.
    """
    uri = optional_text(MODEL_SPEC_URI)
    raw = _spec_object(uri) if uri else json_value(MODEL_SPEC)
    try:
        return ModelSpec.from_dict(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingError(f"the model spec is incomplete: {exc}") from None


@cache
def _spec_object(uri: str) -> Any:
    """Read once per cold start; the object is a content-addressed asset, so it never changes."""
    from lambdas.shared import clients, s3uri

    bucket, key = s3uri.parse(uri)
    body = clients.s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise SettingError(f"{MODEL_SPEC_URI}: {uri} is not valid JSON: {exc}") from None
