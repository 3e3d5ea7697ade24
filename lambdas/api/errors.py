"""What can go wrong for a caller of the API, one class per answer.

Each error carries a stable ``code`` for clients; the handler maps the class to an
HTTP status. Messages are one line and name the field and the problem.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base of every error a caller may see; ``str(error)`` is the message."""

    code = "Error"


class InvalidJson(ApiError):
    code = "InvalidJson"


class InvalidBody(ApiError):
    code = "InvalidBody"


class PayloadTooLarge(ApiError):
    code = "PayloadTooLarge"


class UnsupportedMediaType(ApiError):
    code = "UnsupportedMediaType"


class InvalidInput(ApiError):
    code = "InvalidInput"


class InvalidInferenceId(ApiError):
    code = "InvalidInferenceId"


class UnknownInference(ApiError):
    code = "UnknownInference"


class FeedbackExists(ApiError):
    code = "FeedbackExists"


class ModelNotDeployed(ApiError):
    """No endpoint serves a model yet (GET /model)."""

    code = "NoModelDeployed"


class EndpointMissing(ApiError):
    """The endpoint does not exist (yet) while a prediction was asked for."""

    code = "NoModelDeployed"


class ModelFailed(ApiError):
    code = "ModelError"


class EndpointUnavailable(ApiError):
    code = "EndpointUnavailable"


class EndpointTimeout(ApiError):
    code = "EndpointTimeout"
