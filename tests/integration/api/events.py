"""API Gateway REST (v1) proxy events, shaped as API Gateway sends them to Lambda."""

from __future__ import annotations

import json
import uuid
from typing import Any

JSON_HEADERS = {"Content-Type": "application/json"}


def rest_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    raw: str | None = None,
) -> dict[str, Any]:
    """A proxy event; ``body`` is sent as JSON, ``raw`` exactly as given."""
    text = raw if raw is not None else (None if body is None else json.dumps(body))
    if headers is None:
        headers = dict(JSON_HEADERS) if text is not None else {}
    request_id = str(uuid.uuid4())
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": request_id,
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest"},
            "protocol": "HTTP/1.1",
            "requestTimeEpoch": 1735689600000,
        },
        "body": text,
        "isBase64Encoded": False,
    }


class LambdaContext:
    """The attributes Powertools reads from the Lambda context."""

    function_name = "shadowloop-api"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shadowloop-api"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def answer(response: dict[str, Any]) -> tuple[int, Any]:
    """Status code and decoded JSON body of a proxy response."""
    return response["statusCode"], json.loads(response["body"])
