"""The REST API Lambda behind API Gateway: /predict, /feedback, /model and /inferences/{id}."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.api import audit, errors, feedback, models, predict, schemas, validation
from lambdas.api.settings import settings, spec
from lambdas.shared import clients, tracing

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
app = APIGatewayRestResolver()
served = models.ServedModels()

# Kept beside the routes so a known path with the wrong method answers 405, not 404.
ROUTES = {
    "/predict": "POST",
    "/feedback": "POST",
    "/model": "GET",
    "/inferences/{inference_id}": "GET",
}
STATUS: dict[type[errors.ApiError], HTTPStatus] = {
    errors.InvalidJson: HTTPStatus.BAD_REQUEST,
    errors.InvalidBody: HTTPStatus.BAD_REQUEST,
    errors.PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.UnsupportedMediaType: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    errors.InvalidInput: HTTPStatus.UNPROCESSABLE_ENTITY,
    errors.InvalidInferenceId: HTTPStatus.BAD_REQUEST,
    errors.UnknownInference: HTTPStatus.NOT_FOUND,
    errors.FeedbackExists: HTTPStatus.CONFLICT,
    errors.ModelNotDeployed: HTTPStatus.NOT_FOUND,
    errors.EndpointMissing: HTTPStatus.SERVICE_UNAVAILABLE,
    errors.ModelFailed: HTTPStatus.BAD_GATEWAY,
    errors.EndpointUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
    errors.EndpointTimeout: HTTPStatus.GATEWAY_TIMEOUT,
}
_BAD_REQUEST = {
    400: "malformed JSON or not an object",
    413: "body over 256 KiB (over 10 MB, API Gateway refuses it)",
    415: "body not sent as application/json",
    422: "a field is missing or wrong",
}
# Request bodies are checked in plain code (no pydantic at cold start), so their
# schemas reach the OpenAPI document as hand-written requestBody objects.


@app.post(
    "/predict",
    summary="Predict a batch of records with the production model",
    description="Records are checked against the model spec; errors name the instance "
    "(counted from 0) and the feature.",
    responses=schemas.responses(
        200,
        schemas.PREDICT_RESPONSE,
        _BAD_REQUEST
        | {502: "the model failed", 503: "no model deployed or endpoint busy", 504: "timeout"},
    ),
    openapi_extensions={"requestBody": schemas.PREDICT_REQUEST},
)
def post_predict() -> dict[str, Any]:
    config = settings()
    records = validation.instances(_json_body(), spec(), config.max_batch)
    answer = predict.predict(
        records,
        runtime=clients.sagemaker_runtime(),
        sagemaker=clients.sagemaker(),
        dynamodb=clients.client("dynamodb"),
        endpoint_name=config.endpoint_name,
        table=config.inference_table,
        served=served,
        retention_days=config.audit_retention_days,
    )
    metrics.add_metric(name="Predictions", unit=MetricUnit.Count, value=len(records))
    return answer


@app.post(
    "/feedback",
    status_code=HTTPStatus.CREATED,
    summary="Record the observed outcome of one prediction",
    responses=schemas.responses(
        201,
        schemas.FEEDBACK_RESPONSE,
        _BAD_REQUEST | {404: "unknown inference_id", 409: "feedback already recorded"},
    ),
    openapi_extensions={"requestBody": schemas.FEEDBACK_REQUEST},
)
def post_feedback() -> dict[str, Any]:
    config = settings()
    received = validation.feedback(_json_body(), spec().task)
    stored = feedback.record(
        received, dynamodb=clients.client("dynamodb"), table=config.inference_table
    )
    metrics.add_metric(name="Feedback", unit=MetricUnit.Count, value=1)
    return stored


@app.get(
    "/model",
    summary="The production and shadow models with their metrics and lineage",
    responses=schemas.responses(200, schemas.MODEL_RESPONSE, {404: "no model deployed yet"}),
)
def get_model() -> dict[str, Any]:
    config = settings()
    summary = models.summary(clients.sagemaker(), config.endpoint_name)
    metrics.add_metric(name="ModelLookups", unit=MetricUnit.Count, value=1)
    return summary


@app.get(
    "/inferences/<inference_id>",
    summary="One prediction's record: its input, its answer and the lineage of its model",
    description="Records are kept for serving.audit_retention_days (a year by default).",
    responses=schemas.responses(
        200,
        schemas.INFERENCE_RESPONSE,
        {400: "malformed inference id", 404: "unknown inference id"},
    ),
)
def get_inference(inference_id: str) -> dict[str, Any]:
    config = settings()
    # Decoded, so a malformed id is named as the caller wrote it; a valid one has no escapes.
    record = audit.explain(
        validation.inference_id(unquote(inference_id)),
        dynamodb=clients.client("dynamodb"),
        sagemaker=clients.sagemaker(),
        table=config.inference_table,
    )
    metrics.add_metric(name="InferenceLookups", unit=MetricUnit.Count, value=1)
    return record


@app.exception_handler(errors.ApiError)
def answer_api_error(error: errors.ApiError) -> Response:
    status = STATUS[type(error)]
    logger.info("request refused", extra={"code": error.code, "reason": str(error)})
    refused = status < HTTPStatus.INTERNAL_SERVER_ERROR
    metrics.add_metric(
        name="RequestsRefused" if refused else "EndpointErrors", unit=MetricUnit.Count, value=1
    )
    return error_response(status, error.code, str(error))


@app.exception_handler(Exception)
def answer_internal_error(error: Exception) -> Response:
    logger.exception("internal error")
    metrics.add_metric(name="InternalErrors", unit=MetricUnit.Count, value=1)
    return error_response(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "InternalError",
        "the request failed inside the service; quote the request_id when reporting it",
    )


@app.not_found
def answer_not_found(_: Exception) -> Response:
    event = app.current_event
    metrics.add_metric(name="RequestsRefused", unit=MetricUnit.Count, value=1)
    allowed = ROUTES.get(event.resource)
    path = _one_line(event.path)
    # With the method allowed, only a path parameter outside the route's alphabet is left.
    if allowed and event.http_method not in allowed.split(", "):
        return error_response(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            f"{event.http_method} is not allowed on {path}; use {allowed}",
            headers={"Allow": allowed},
        )
    return error_response(HTTPStatus.NOT_FOUND, "NotFound", f"no route {path}")


def _one_line(path: str) -> str:
    """A caller's path for a message: control characters escaped, at most 80 characters."""
    shown = path if path.isprintable() else json.dumps(path)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def error_response(
    status: HTTPStatus, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The JSON error body every failure shares, with the request id to quote."""
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body={
            "error": {"code": code, "message": message},
            "request_id": app.current_event.request_context.request_id,
        },
        headers=headers,
    )


def _json_body() -> dict[str, Any]:
    event = app.current_event
    return validation.parse_body(
        event.body,
        content_type=event.headers.get("content-type"),
        base64_encoded=bool(event.is_base64_encoded),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
