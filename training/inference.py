"""Serving handlers for SageMaker's scikit-learn container (``SAGEMAKER_PROGRAM=inference.py``).

Request, ``application/json``::

    {"instances": [{"distance_km": 3.2, ...}, ...], "inference_ids": ["a", ...]}

(or a bare list of instances); ``text/csv``: one row per instance, values in the spec's
feature order, no header. Response, ``application/json``::

    {"predictions": [21.4, ...], "inference_ids": ["a", ...]}

classification adds ``"classes"`` and ``"probabilities"`` (one row per instance, columns in
``classes`` order); ``text/csv`` answers one prediction per line.

``input_fn`` checks the request's syntax; ``predict_fn`` checks it against the model's spec,
since only it holds the model. Both raise ``RequestError`` with a one-line message.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import modelfiles
from features import model_inputs
from modelfiles import TrainedModel
from modelspec import InputError, ModelSpec

JSON = "application/json"
CSV = "text/csv"


class RequestError(InputError):
    """The request cannot be answered; the message says which instance and feature."""


class UnsupportedContentType(RequestError):
    pass


class UnsupportedAccept(RequestError):
    pass


@dataclass(frozen=True)
class Request:
    """Decoded instances: feature→value objects (JSON) or value rows in spec order (CSV)."""

    instances: list[Any]
    by_name: bool
    inference_ids: list[str] | None = None


@dataclass(frozen=True)
class Prediction:
    values: list[Any]
    inference_ids: list[str] | None = None
    classes: list[Any] | None = None
    probabilities: list[list[float]] | None = None


def model_fn(model_dir: str) -> TrainedModel:
    """Load model.joblib and metadata.json from the extracted model.tar.gz."""
    return modelfiles.load(Path(model_dir))


def input_fn(request_body: str | bytes, request_content_type: str) -> Request:
    """Decode a JSON or CSV request body."""
    content_type = _media_type(request_content_type)
    if content_type not in (JSON, CSV):
        raise UnsupportedContentType(
            f"unsupported content type {request_content_type!r} (use {JSON} or {CSV})"
        )
    text = _text(request_body)
    request = _from_json(text) if content_type == JSON else _from_csv(text)
    if not request.instances:
        raise RequestError("the request holds no instances")
    return request


def predict_fn(input_data: Request, model: TrainedModel) -> Prediction:
    """Check the instances against the model's spec and predict."""
    inputs = model_inputs(request_frame(input_data, model.spec), model.spec)
    values = model.pipeline.predict(inputs)
    if model.spec.task != "classification":
        return Prediction(values=[float(v) for v in values], inference_ids=input_data.inference_ids)
    return Prediction(
        values=[_plain(v) for v in values],
        inference_ids=input_data.inference_ids,
        classes=[_plain(c) for c in model.classes or []],
        probabilities=model.pipeline.predict_proba(inputs).round(6).tolist(),
    )


def output_fn(prediction: Prediction, accept: str | None) -> tuple[str, str]:
    """Serialize as JSON (also for ``*/*`` or no preference) or CSV; returns (body, type)."""
    media_type = _media_type(accept or JSON)
    if media_type in (JSON, "*/*"):
        body: dict[str, Any] = {"predictions": prediction.values}
        if prediction.inference_ids is not None:
            body["inference_ids"] = prediction.inference_ids
        if prediction.probabilities is not None:
            body["classes"] = prediction.classes
            body["probabilities"] = prediction.probabilities
        return json.dumps(body), JSON
    if media_type == CSV:
        return "".join(f"{value}\n" for value in prediction.values), CSV
    raise UnsupportedAccept(f"unsupported accept type {accept!r} (use {JSON} or {CSV})")


def request_frame(request: Request, spec: ModelSpec) -> pd.DataFrame:
    """One row per instance with the spec's features, every value checked."""
    names = spec.feature_names
    types = {f.name: f.type for f in spec.features}
    rows = []
    for i, instance in enumerate(request.instances):
        values = (
            _named(i, instance, names, spec.attributes)
            if request.by_name
            else _ordered(i, instance, names)
        )
        rows.append({name: _value(i, name, types[name], values[name]) for name in names})
    return pd.DataFrame(rows, columns=names)


def _from_json(text: str) -> Request:
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise RequestError(
            f"request body is not valid JSON ({exc.msg} at char {exc.pos})"
        ) from None
    if isinstance(document, list):
        return Request(instances=document, by_name=True)
    if not isinstance(document, dict) or not isinstance(document.get("instances"), list):
        raise RequestError('expected {"instances": [{feature: value, ...}, ...]} or a list')
    ids = document.get("inference_ids")
    return Request(
        instances=document["instances"],
        by_name=True,
        inference_ids=None if ids is None else _inference_ids(ids, len(document["instances"])),
    )


def _from_csv(text: str) -> Request:
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    return Request(instances=rows, by_name=False)


def _inference_ids(ids: Any, count: int) -> list[str]:
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise RequestError("inference_ids: expected a list of non-empty strings")
    if len(ids) != count:
        raise RequestError(f"inference_ids: expected {count} (one per instance), got {len(ids)}")
    return ids


def _named(i: int, instance: Any, names: list[str], attributes: list[str]) -> dict[str, Any]:
    """An instance's feature values; the spec's attributes (the fairness group) are allowed
    so the request, and its capture, can carry them, but the model never reads them."""
    if not isinstance(instance, dict):
        raise RequestError(f"instance {i}: expected an object of feature values")
    unknown = [key for key in instance if key not in names and key not in attributes]
    if unknown:
        raise RequestError(f"instance {i}: unknown feature {unknown[0]!r}")
    missing = [name for name in names if name not in instance]
    if missing:
        raise RequestError(f"instance {i}: missing feature {missing[0]!r}")
    return instance


def _ordered(i: int, row: list[str], names: list[str]) -> dict[str, Any]:
    if len(row) != len(names):
        raise RequestError(
            f"instance {i}: expected {len(names)} values ({', '.join(names)}), got {len(row)}"
        )
    # An empty CSV cell is a missing value, which the model imputes.
    return {name: (cell if cell.strip() else None) for name, cell in zip(names, row, strict=True)}


def _value(i: int, name: str, feature_type: str, value: Any) -> Any:
    if value is None:
        return np.nan if feature_type == "numeric" else None
    if feature_type == "categorical":
        if isinstance(value, dict | list):
            raise RequestError(f"instance {i}: feature {name!r} must be a single value")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RequestError(f"instance {i}: feature {name!r} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise RequestError(
            f"instance {i}: feature {name!r} must be a number, got {value!r}"
        ) from None
    if not math.isfinite(number):
        raise RequestError(f"instance {i}: feature {name!r} must be a finite number, got {value!r}")
    return number


def _reject_constant(name: str) -> None:
    raise RequestError(f"{name} is not allowed in a request; send finite numbers or null")


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _text(body: str | bytes) -> str:
    if isinstance(body, bytes | bytearray):
        try:
            return bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError("request body is not UTF-8 text") from None
    return body


def _plain(value: Any) -> Any:
    """A numpy scalar as the plain Python value json can write."""
    return value.item() if isinstance(value, np.generic) else value
