"""API Gateway's own answers (auth, size, throttling) in the API's error shape.

API Gateway refuses some requests before the api function runs. Each response type
here gets a template that renders ``{"error": {"code", "message"}, "request_id"}``,
the shape of every answer the function gives. Infra deploys these templates and the
local gateway renders them from the synthesized template.
"""

from __future__ import annotations

JSON = "application/json"

# Response type → the error code a client sees. The specific types name the cause;
# the two defaults cover every other type API Gateway has.
CODES: dict[str, str] = {
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationToken",
    "ACCESS_DENIED": "AccessDenied",
    "UNAUTHORIZED": "Unauthorized",
    "INVALID_SIGNATURE": "InvalidSignature",
    "EXPIRED_TOKEN": "ExpiredToken",
    "INVALID_API_KEY": "InvalidApiKey",
    "REQUEST_TOO_LARGE": "PayloadTooLarge",
    "UNSUPPORTED_MEDIA_TYPE": "UnsupportedMediaType",
    "THROTTLED": "Throttled",
    "QUOTA_EXCEEDED": "QuotaExceeded",
    "INTEGRATION_FAILURE": "IntegrationFailure",
    "INTEGRATION_TIMEOUT": "IntegrationTimeout",
    "DEFAULT_4XX": "RequestRefused",
    "DEFAULT_5XX": "GatewayError",
}
# A refused body names the schema violation rather than API Gateway's bare message.
BAD_REQUEST_BODY_TEMPLATE = (
    '{"error": {"code": "InvalidRequestBody", '
    '"message": "$context.error.validationErrorString"}, '
    '"request_id": "$context.requestId"}'
)


def template(code: str) -> str:
    """The body template for one code; ``messageString`` is the message, already quoted."""
    return (
        f'{{"error": {{"code": "{code}", "message": $context.error.messageString}}, '
        '"request_id": "$context.requestId"}'
    )
