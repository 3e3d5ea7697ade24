"""The REST API on localhost, as API Gateway (v1) ``AWS_PROXY`` integrations serve it.

moto stores REST APIs but does not run ``AWS_PROXY`` integrations. :func:`make_server`
answers HTTP on 127.0.0.1 the way API Gateway does: unknown routes get
``Missing Authentication Token``, request validators answer ``Invalid request body``,
bodies over 10 MB are refused, and every other request becomes a proxy event for
``invoke`` (the real Lambda handler, run in-process) whose proxy response is written
back. A failing integration is a 502 ``Internal server error``. Each of these refusals
is rendered from the API's gateway responses (the synthesized ``ResponseTemplates``) as
API Gateway renders them, falling back to its ``{"message": ...}`` default.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)

Route = tuple[str, str]
"""(HTTP method, resource path), e.g. ("GET", "/models/{name}")."""

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
DEFAULT_STAGE = "local"
_PARAMETER = re.compile(r"\{([A-Za-z0-9_]+)(\+?)\}")


_CONTEXT = re.compile(r"\$context\.[A-Za-z0-9_.]+")


class _Answer(Exception):
    """An answer API Gateway gives without calling the integration."""

    def __init__(
        self, status: int, message: str, error_type: str, response_type: str, detail: str = ""
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type
        self.response_type = response_type
        self.detail = detail or message


def render_gateway_response(
    responses: Mapping[str, Mapping[str, Any]], answer: _Answer, request_id: str
) -> tuple[int, bytes]:
    """Status and body of a refusal: its type's gateway response, else the 4XX/5XX default.

    Templates are not VTL: API Gateway substitutes ``$context`` variables only, and an
    unknown one renders empty.
    """
    default = "DEFAULT_5XX" if answer.status >= 500 else "DEFAULT_4XX"
    response = responses.get(answer.response_type) or responses.get(default)
    template = ((response or {}).get("ResponseTemplates") or {}).get("application/json")
    status = int((response or {}).get("StatusCode") or answer.status)
    if template is None:
        return status, json.dumps({"message": answer.message}).encode()
    values = {
        "$context.error.message": answer.message,
        "$context.error.messageString": json.dumps(answer.message),
        "$context.error.validationErrorString": json.dumps(answer.detail)[1:-1],
        "$context.error.responseType": answer.response_type,
        "$context.requestId": request_id,
    }
    return status, _CONTEXT.sub(lambda m: values.get(m.group(0), ""), template).encode()


def match_route(
    routes: Sequence[Route], method: str, path: str
) -> tuple[str, dict[str, str]] | None:
    """The resource and path parameters of the route serving ``method path``, if any."""
    for route_method, resource in routes:
        if route_method.upper() not in (method.upper(), "ANY"):
            continue
        parameters = _match_resource(resource, path)
        if parameters is not None:
            return resource, parameters
    return None


def to_proxy_event(
    method: str,
    path: str,
    headers: Mapping[str, str] | Sequence[tuple[str, str]],
    body: bytes,
    query: str | None,
    *,
    routes: Sequence[Route] = (),
    stage: str = DEFAULT_STAGE,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway REST API (v1) ``AWS_PROXY`` event for one HTTP request."""
    matched = match_route(routes, method, path)
    resource, path_parameters = matched if matched else (path, {})
    single_headers, multi_headers = _group(_pairs(headers))
    single_query, multi_query = _group(parse_qsl(query or "", keep_blank_values=True))
    text, is_base64 = _encode_body(body)
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method.upper(),
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "resourceId": resource,
            "resourcePath": resource,
            "httpMethod": method.upper(),
            "extendedRequestId": request_id,
            "requestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainName": single_headers.get("Host", "localhost"),
            "identity": {
                "sourceIp": source_ip,
                "userAgent": single_headers.get("User-Agent"),
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "user": None,
                "userArn": None,
            },
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def make_server(
    invoke: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    routes: list[Route],
    host: str = "127.0.0.1",
    port: int = 0,
    validators: Mapping[Route, dict[str, Any]] | None = None,
    gateway_responses: Mapping[str, Mapping[str, Any]] | None = None,
    stage: str = DEFAULT_STAGE,
    verbose: bool = False,
) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving) that answers like API Gateway in front of ``invoke``."""
    schemas = {(m.upper(), r): s for (m, r), s in (validators or {}).items()}

    class Handler(_ProxyHandler):
        pass

    Handler.integration = staticmethod(invoke)
    Handler.routes = list(routes)
    Handler.schemas = schemas
    Handler.gateway_responses = dict(gateway_responses or {})
    Handler.stage = stage
    Handler.verbose = verbose
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


class _ProxyHandler(BaseHTTPRequestHandler):
    integration: Callable[[dict[str, Any]], dict[str, Any]]
    routes: list[Route]
    schemas: dict[Route, dict[str, Any]]
    gateway_responses: dict[str, Mapping[str, Any]]
    stage: str
    verbose: bool
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        if self.verbose:
            super().log_message(format, *args)

    def _handle(self) -> None:
        try:
            status, headers, body = self._serve()
        except _Answer as answer:
            status, body = render_gateway_response(
                self.gateway_responses, answer, str(uuid.uuid4())
            )
            headers = [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", answer.error_type),
            ]
        self._write(status, headers, body)

    def _serve(self) -> tuple[int, list[tuple[str, str]], bytes]:
        url = urlsplit(self.path)
        body = self._read_body()
        matched = match_route(self.routes, self.command, url.path)
        if matched is None:
            raise _Answer(
                403,
                "Missing Authentication Token",
                "MissingAuthenticationTokenException",
                "MISSING_AUTHENTICATION_TOKEN",
            )
        schema = self.schemas.get((self.command.upper(), matched[0]))
        if schema is not None:
            self._validate(schema, body)
        event = to_proxy_event(
            self.command,
            url.path,
            list(self.headers.items()),
            body,
            url.query,
            routes=self.routes,
            stage=self.stage,
            source_ip=self.client_address[0],
        )
        try:
            result = self.integration(event)
            return _from_proxy_response(result)
        except Exception:
            log.exception("integration failed for %s %s", self.command, url.path)
            raise _Answer(
                502, "Internal server error", "InternalServerErrorException", "DEFAULT_5XX"
            ) from None

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            self._discard(length)
            raise _Answer(
                413,
                f"HTTP content length exceeded {MAX_PAYLOAD_BYTES} bytes.",
                "RequestTooLargeException",
                "REQUEST_TOO_LARGE",
            )
        return self.rfile.read(length) if length else b""

    def _discard(self, length: int) -> None:
        """Read and drop a refused body, so the client sees the answer, not a reset."""
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    def _validate(self, schema: dict[str, Any], body: bytes) -> None:
        try:
            problem = schema_problem(schema, json.loads(body or b"null"))
        except ValueError:
            problem = "body is not JSON"
        if problem:
            log.info("request body rejected: %s", problem)
            raise _Answer(
                400, "Invalid request body", "BadRequestException", "BAD_REQUEST_BODY", problem
            )

    def _write(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        names = {name.lower() for name, _ in headers}
        for name, value in headers:
            self.send_header(name, value)
        if "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def schema_problem(schema: Mapping[str, Any], value: Any, where: str = "body") -> str | None:
    """The first way ``value`` breaks a JSON schema (the draft-4 subset API Gateway models use)."""
    expected = schema.get("type")
    if expected is not None and not any(
        _is_type(value, t) for t in ([expected] if isinstance(expected, str) else expected)
    ):
        return f"{where}: expected {expected}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where}: not one of {schema['enum']}"
    if isinstance(value, dict):
        return _object_problem(schema, value, where)
    if isinstance(value, list):
        return _array_problem(schema, value, where)
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return f"{where}: shorter than {schema['minLength']}"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"{where}: longer than {schema['maxLength']}"
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{where}: below {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{where}: above {schema['maximum']}"
    return None


def _object_problem(schema: Mapping[str, Any], value: dict[str, Any], where: str) -> str | None:
    missing = [name for name in schema.get("required", []) if name not in value]
    if missing:
        return f"{where}: missing {', '.join(missing)}"
    properties = schema.get("properties", {})
    if schema.get("additionalProperties") is False:
        extra = sorted(set(value) - set(properties))
        if extra:
            return f"{where}: unexpected {', '.join(extra)}"
    for name, sub in properties.items():
        if name in value:
            problem = schema_problem(sub, value[name], f"{where}.{name}")
            if problem:
                return problem
    return None


def _array_problem(schema: Mapping[str, Any], value: list[Any], where: str) -> str | None:
    if len(value) < schema.get("minItems", 0):
        return f"{where}: fewer than {schema['minItems']} items"
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        return f"{where}: more than {schema['maxItems']} items"
    items = schema.get("items")
    if isinstance(items, Mapping):
        for i, item in enumerate(value):
            problem = schema_problem(items, item, f"{where}[{i}]")
            if problem:
                return problem
    return None


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    kinds: dict[str, type | tuple[type, ...]] = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
    }
    return isinstance(value, kinds.get(name, object))


def _match_resource(resource: str, path: str) -> dict[str, str] | None:
    """Path parameters when ``path`` fits ``resource`` ({name} one segment, {name+} the rest)."""
    pattern = ""
    position = 0
    for found in _PARAMETER.finditer(resource):
        pattern += re.escape(resource[position : found.start()])
        pattern += f"(?P<{found.group(1)}>.+)" if found.group(2) else f"(?P<{found.group(1)}>[^/]+)"
        position = found.end()
    pattern += re.escape(resource[position:])
    matched = re.fullmatch(pattern, path.rstrip("/") or "/")
    return matched.groupdict() if matched else None


def _pairs(headers: Mapping[str, str] | Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


def _group(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Single-value (last one wins, as API Gateway does) and multi-value views."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _encode_body(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _from_proxy_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of a Lambda proxy response; malformed ones are a 502."""
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        raise ValueError(f"malformed Lambda proxy response: {str(result)[:200]}")
    multi = result.get("multiValueHeaders") or {}
    # As API Gateway merges them: a name in multiValueHeaders takes its values from there.
    multi_names = {name.lower() for name in multi}
    headers = [
        (k, str(v))
        for k, v in (result.get("headers") or {}).items()
        if k.lower() not in multi_names
    ]
    for name, values in multi.items():
        headers.extend((name, str(v)) for v in values)
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        return result["statusCode"], headers, base64.b64decode(body)
    return result["statusCode"], headers, body.encode("utf-8")
