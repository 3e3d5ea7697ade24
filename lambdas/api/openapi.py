"""The API's OpenAPI document, for one model spec or for any.

A development-time path: generation imports pydantic, the request path never does.
``shadowloop/ops/openapi.py`` writes the committed document for the configured model.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from lambdas.shared.settings import ModelSpec

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
TITLE = "shadowloop"
VERSION = "1.0.0"
_JSON = "application/json"


def document(spec: ModelSpec | None = None) -> str:
    """The document the handler's routes generate, as stable JSON text.

    With a spec, ``/predict`` names every feature and its type and ``/feedback`` types
    ``actual`` by the task, so a client (or a fuzzer) knows exactly what is accepted.
    """
    from lambdas.api.handler import app

    text = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        summary="Predictions, ground-truth feedback and the models behind the endpoint",
        description='Errors share one shape: {"error": {"code", "message"}, "request_id"}. '
        "Request bodies are limited to 256 KiB.",
    )
    if spec is not None:
        text = json.dumps(for_spec(json.loads(text), spec), indent=2)
    return text + "\n"


def for_spec(document: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
    """The generic document with the request bodies of ``spec``'s model."""
    from lambdas.api import schemas

    out = copy.deepcopy(document)
    paths = out["paths"]
    predict = _request_schema(paths["/predict"]["post"])
    predict["properties"]["instances"]["items"] = schemas.feature_values(spec)
    feedback = _request_schema(paths["/feedback"]["post"])
    feedback["properties"]["actual"] = schemas.actual_value(spec.task)
    return out


def _request_schema(operation: dict[str, Any]) -> dict[str, Any]:
    return operation["requestBody"]["content"][_JSON]["schema"]
