"""JSON Schemas of the API's bodies, for the OpenAPI document.

Plain dictionaries: requests are checked by :mod:`lambdas.api.validation`, so the
request path never imports pydantic. Feature names come from MODEL_SPEC at run
time, so a record is described generically here.
"""

from __future__ import annotations

from typing import Any

from lambdas.api.validation import MAX_BODY_BYTES
from lambdas.shared.settings import ModelSpec

_JSON = "application/json"

FEATURE_VALUE: dict[str, Any] = {
    "oneOf": [{"type": "number"}, {"type": "string"}],
    "description": "numeric features take a finite number, categorical features a string",
}
PREDICTION: dict[str, Any] = {
    "oneOf": [{"type": "number"}, {"type": "string", "minLength": 1}],
    "description": "the model's answer for one record: a number or a class label",
}
ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error", "request_id"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["InvalidInput"]},
                "message": {
                    "type": "string",
                    "examples": ["instance 2: feature 'hour' must be a number, got \"abc\""],
                },
            },
        },
        "request_id": {"type": "string"},
    },
}
LINEAGE: dict[str, Any] = {
    "type": "object",
    "description": "where the model came from, from its registry metadata",
    "properties": {
        name: {"type": ["string", "null"]}
        for name in (
            "dataset",
            "dataset_uri",
            "version_id",
            "snapshot_uri",
            "code_version",
            "trigger",
            "run_id",
            "evaluation_uri",
            "baseline_uri",
            "calibration_uri",
            "bias_report_uri",
        )
    },
}
FAIRNESS: dict[str, Any] = {
    "type": ["object", "null"],
    "description": (
        "the gate's fairness verdict at registration (null when fairness is off): the group "
        "column, each across-group figure, and how many groups had too few rows to judge; "
        "the per-group figures are in the bias report"
    ),
    "properties": {
        "decision": {"type": "string", "examples": ["pass"]},
        "group": {"type": "string", "examples": ["applicant_group"]},
        "disparate_impact": {"type": ["number", "null"]},
        "tpr_gap": {"type": ["number", "null"]},
        "metric_gap": {"type": ["number", "null"]},
        "error_ratio": {"type": ["number", "null"]},
        "insufficient_evidence": {"type": "integer"},
    },
}
MODEL: dict[str, Any] = {
    "type": "object",
    "properties": {
        "variant": {"type": "string", "examples": ["champion"]},
        "model_package_arn": {"type": ["string", "null"]},
        "version": {"type": ["integer", "null"]},
        "approval_status": {"type": ["string", "null"]},
        "metrics": {
            "type": "object",
            "properties": {
                "metric": {"type": ["string", "null"]},
                "value": {"type": ["number", "null"]},
                "champion_value": {"type": ["number", "null"]},
            },
        },
        "fairness": FAIRNESS,
        "lineage": LINEAGE,
    },
}

PREDICT_REQUEST: dict[str, Any] = {
    "required": True,
    "description": (
        f"1 to MAX_BATCH records, each with exactly the model's features (plus, optionally, "
        f"the fairness group column, which the model ignores); "
        f"at most {MAX_BODY_BYTES} bytes"
    ),
    "content": {
        _JSON: {
            "schema": {
                "type": "object",
                "required": ["instances"],
                "additionalProperties": False,
                "properties": {
                    "instances": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "object", "additionalProperties": FEATURE_VALUE},
                    }
                },
            }
        }
    },
}
PREDICT_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "model_package_arn": {"type": ["string", "null"]},
        "model_version": {"type": ["integer", "null"]},
        "variant": {"type": "string", "examples": ["champion"]},
        "predictions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "inference_id": {"type": "string"},
                    "prediction": PREDICTION,
                    "probabilities": {
                        "type": "object",
                        "additionalProperties": {"type": "number"},
                        "description": "a classifier's probability of each class, by label",
                        "examples": [{"0": 0.82, "1": 0.18}],
                    },
                },
            },
        },
    },
}
FEEDBACK_REQUEST: dict[str, Any] = {
    "required": True,
    "content": {
        _JSON: {
            "schema": {
                "type": "object",
                "required": ["inference_id", "actual"],
                "additionalProperties": False,
                "properties": {
                    "inference_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"},
                    "actual": {
                        "oneOf": [{"type": "number"}, {"type": "string"}],
                        "description": "a number for regression; a number or label otherwise",
                    },
                },
            }
        }
    },
}
FEEDBACK_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "inference_id": {"type": "string"},
        "actual": {"oneOf": [{"type": "number"}, {"type": "string"}]},
        "received_at": {"type": "string", "format": "date-time"},
    },
}
_TEXT_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
INFERENCE_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "inference_id": {"type": "string"},
        "batch_id": {"type": "string"},
        "variant": {"type": "string", "examples": ["champion"]},
        "predicted_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
        "model_package_arn": _TEXT_OR_NULL,
        "version_id": _TEXT_OR_NULL,
        "code_version": _TEXT_OR_NULL,
        "input": {
            "type": ["object", "null"],
            "description": "the instance as sent; null for records made before inputs were kept",
            "additionalProperties": FEATURE_VALUE,
        },
        "prediction": PREDICTION,
        "model": {
            "description": "the package as the registry describes it now; null when it is gone",
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "model_package_arn": {"type": "string"},
                        "version": {"type": ["integer", "null"]},
                        "approval_status": _TEXT_OR_NULL,
                        "approval_description": _TEXT_OR_NULL,
                        "approved_by": _TEXT_OR_NULL,
                        "approved_at": _TEXT_OR_NULL,
                        "approval_reason": _TEXT_OR_NULL,
                        "model_data_url": _TEXT_OR_NULL,
                        "lineage": LINEAGE,
                    },
                },
                {"type": "null"},
            ],
        },
    },
}
MODEL_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "endpoint": {"type": "string"},
        "status": {"type": "string", "examples": ["InService"]},
        "production": MODEL,
        "shadow": {"oneOf": [MODEL, {"type": "null"}]},
    },
}


# API Gateway's own refusals, rendered in the same shape (lambdas/shared/contracts/gateway.py).
GATEWAY_ERRORS = {
    403: "refused by API Gateway: missing or invalid credentials, or no such route",
    413: "refused by API Gateway: body over 10 MB",
    429: "refused by API Gateway: throttled or over quota",
}


def responses(status: int, schema: dict[str, Any], errors: dict[int, str]) -> dict[int, Any]:
    """The OpenAPI responses of one route: its success body and its error answers."""
    out: dict[int, Any] = {
        status: {"description": "success", "content": {_JSON: {"schema": schema}}}
    }
    for code, description in sorted((GATEWAY_ERRORS | errors).items()):
        out[code] = {"description": description, "content": {_JSON: {"schema": ERROR}}}
    return out


def feature_values(spec: ModelSpec) -> dict[str, Any]:
    """One record of the model's features (and the optional fairness group), typed."""
    properties: dict[str, Any] = {
        f.name: {"type": "number"} if f.type == "numeric" else {"type": "string"}
        for f in spec.features
    }
    for name in spec.attributes:
        properties[name] = {"oneOf": [{"type": "number"}, {"type": "string"}]}
    return {
        "type": "object",
        "required": spec.feature_names,
        "additionalProperties": False,
        "properties": properties,
    }


def actual_value(task: str) -> dict[str, Any]:
    """The observed outcome a feedback request carries, typed by the model's task."""
    if task == "regression":
        return {"type": "number", "description": "the observed value"}
    return {
        "oneOf": [{"type": "number"}, {"type": "string", "minLength": 1}],
        "description": "the observed class label",
    }
