"""POST /predict: ask the endpoint, name the model that answered, remember every inference."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from lambdas.api import errors, inferences
from lambdas.api.inferences import Inference
from lambdas.api.models import ServedModels

_UNAVAILABLE = {"ThrottlingException", "ServiceUnavailable", "ModelNotReadyException"}
_DYNAMODB_SMALLEST = 1e-130
_DYNAMODB_LIMIT = 1e126
_FAILED = {"ModelError", "InternalFailure", "InternalDependencyException"}


@dataclass(frozen=True)
class Answer:
    variant: str
    predictions: list[Any]
    # A classifier's class probabilities per record, keyed by class label; None otherwise.
    probabilities: list[dict[str, float]] | None = None


def predict(
    records: Sequence[dict[str, Any]],
    *,
    runtime: Any,
    sagemaker: Any,
    dynamodb: Any,
    endpoint_name: str,
    table: str,
    served: ServedModels,
    retention_days: int,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
) -> dict[str, Any]:
    """Predict a batch of checked records; the response body of POST /predict."""
    # Encoded first: an instance too large to record is refused before the model runs.
    inputs = [inferences.encode_input(i, r) for i, r in enumerate(records)]
    inference_ids = [new_id() for _ in records]
    batch_id = new_id()
    answer = invoke(runtime, endpoint_name, records, inference_ids, batch_id)
    package = served.package(sagemaker, endpoint_name, answer.variant)
    lineage = package.lineage if package else {}
    predicted_at = now()
    inferences.put_all(
        dynamodb,
        table,
        [
            Inference(
                inference_id=i,
                batch_id=batch_id,
                variant=answer.variant,
                model_package_arn=package.arn if package else None,
                version_id=lineage.get("version_id"),
                code_version=lineage.get("code_version"),
                input=text,
                prediction=p,
                predicted_at=predicted_at,
                expires_at=inferences.expiry(predicted_at, retention_days),
            )
            for i, text, p in zip(inference_ids, inputs, answer.predictions, strict=True)
        ],
    )
    return {
        "model_package_arn": package.arn if package else None,
        "model_version": package.version if package else None,
        "variant": answer.variant,
        "predictions": [
            _item(i, p, None if answer.probabilities is None else answer.probabilities[n])
            for n, (i, p) in enumerate(zip(inference_ids, answer.predictions, strict=True))
        ],
    }


def _item(inference_id: str, prediction: Any, probabilities: dict[str, float] | None) -> dict:
    item = {"inference_id": inference_id, "prediction": prediction}
    if probabilities is not None:
        item["probabilities"] = probabilities
    return item


def invoke(
    runtime: Any,
    endpoint_name: str,
    records: Sequence[dict[str, Any]],
    inference_ids: Sequence[str],
    batch_id: str,
) -> Answer:
    """One InvokeEndpoint call; endpoint trouble becomes an :mod:`errors` class."""
    body = json.dumps({"instances": list(records), "inference_ids": list(inference_ids)})
    try:
        response = runtime.invoke_endpoint(
            EndpointName=endpoint_name,
            ContentType="application/json",
            Accept="application/json",
            Body=body,
            InferenceId=batch_id,
        )
        payload = response["Body"].read()
    except ClientError as exc:
        raise _endpoint_error(exc, endpoint_name) from exc
    except ReadTimeoutError as exc:
        raise errors.EndpointTimeout(f"endpoint '{endpoint_name}' did not answer in time") from exc
    except (ConnectTimeoutError, EndpointConnectionError) as exc:
        raise errors.EndpointUnavailable(f"endpoint '{endpoint_name}' is unreachable") from exc
    predictions = _predictions(payload, len(records))
    return Answer(
        variant=response.get("InvokedProductionVariant", "champion"),
        predictions=predictions,
        probabilities=_probabilities(payload, len(records)),
    )


def _predictions(payload: bytes | str, expected: int) -> list[Any]:
    try:
        predictions = json.loads(payload)["predictions"]
    except (ValueError, KeyError, TypeError):
        raise errors.ModelFailed("the model answered without a 'predictions' list") from None
    if not isinstance(predictions, list) or len(predictions) != expected:
        count = len(predictions) if isinstance(predictions, list) else 0
        raise errors.ModelFailed(f"the model returned {count} predictions for {expected} records")
    if not all(_is_prediction(p) for p in predictions):
        raise errors.ModelFailed(
            "the model returned a prediction that is neither a class label nor a finite "
            "number the audit record can hold (|x| from 1e-130 to under 1e126, or 0)"
        )
    return predictions


def _is_prediction(value: Any) -> bool:
    """A regression value or a class label the audit record can hold (PREDICTION's schema)."""
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    # DynamoDB numbers: magnitudes from 1e-130 to just under 1e126, or zero.
    return value == 0 or _DYNAMODB_SMALLEST <= abs(value) < _DYNAMODB_LIMIT


def _probabilities(payload: bytes | str, expected: int) -> list[dict[str, float]] | None:
    """Each record's ``{class: probability}``, when the model answered them in full."""
    document = json.loads(payload)
    classes, rows = document.get("classes"), document.get("probabilities")
    if not isinstance(classes, list) or not isinstance(rows, list) or len(rows) != expected:
        return None
    if not all(_probability_row(row, len(classes)) for row in rows):
        return None
    return [{str(c): float(v) for c, v in zip(classes, row, strict=True)} for row in rows]


def _probability_row(row: Any, width: int) -> bool:
    return (
        isinstance(row, list)
        and len(row) == width
        and all(
            isinstance(v, int | float) and not isinstance(v, bool) and 0.0 <= v <= 1.0 for v in row
        )
    )


def _endpoint_error(exc: ClientError, endpoint_name: str) -> errors.ApiError:
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    # SageMaker Runtime's answer: ValidationError "Endpoint {name} of account {id} not found."
    if code == "ValidationError" and error.get("Message", "").endswith("not found."):
        return errors.EndpointMissing(f"endpoint '{endpoint_name}' does not exist yet")
    if code in _UNAVAILABLE:
        return errors.EndpointUnavailable(
            f"endpoint '{endpoint_name}' is busy or not ready ({code}); retry later"
        )
    if code in _FAILED:
        return errors.ModelFailed(f"the model on endpoint '{endpoint_name}' failed ({code})")
    return errors.ModelFailed(f"endpoint '{endpoint_name}' refused the request ({code})")
