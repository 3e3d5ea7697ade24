"""The local API Gateway: proxy events Powertools can route, and API Gateway's own answers."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from lambdas.shared.contracts import gateway
from shadowloop.localcloud.apigateway import (
    MAX_PAYLOAD_BYTES,
    make_server,
    match_route,
    schema_problem,
    to_proxy_event,
)

ROUTES = [("POST", "/predict"), ("POST", "/feedback"), ("GET", "/model"), ("GET", "/runs/{run_id}")]
PREDICT_SCHEMA = {
    "type": "object",
    "required": ["instances"],
    "properties": {"instances": {"type": "array", "minItems": 1, "maxItems": 2}},
}


def _resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver()

    @app.post("/predict")
    def predict() -> dict[str, Any]:
        body = app.current_event.json_body
        return {"count": len(body["instances"]), "query": app.current_event.query_string_parameters}

    @app.get("/runs/<run_id>")
    def run(run_id: str) -> Response:
        return Response(200, "text/plain", f"run {run_id}", headers={"X-Run": [run_id, "again"]})

    return app


def _handler(event: dict[str, Any]) -> dict[str, Any]:
    return _resolver().resolve(event, None)


@contextmanager
def _serving(invoke: Callable[[dict[str, Any]], dict[str, Any]], **kwargs: Any) -> Iterator[str]:
    server = make_server(invoke, routes=ROUTES, **kwargs)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


def _call(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_proxy_event_has_the_rest_api_v1_shape():
    event = to_proxy_event(
        "get",
        "/runs/r-1",
        [("Accept", "text/plain"), ("X-Tag", "a"), ("X-Tag", "b")],
        b"",
        "limit=5&tag=x&tag=y",
        routes=ROUTES,
    )

    assert event["resource"] == "/runs/{run_id}"
    assert event["path"] == "/runs/r-1"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"run_id": "r-1"}
    assert event["headers"]["X-Tag"] == "b"
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["queryStringParameters"] == {"limit": "5", "tag": "y"}
    assert event["multiValueQueryStringParameters"]["tag"] == ["x", "y"]
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert context["resourcePath"] == "/runs/{run_id}"
    assert context["httpMethod"] == "GET"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert len(context["requestId"]) == 36 and context["requestTimeEpoch"] > 0
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_powertools_routes_the_proxy_event():
    event = to_proxy_event(
        "POST",
        "/predict",
        {"Content-Type": "application/json"},
        b'{"instances": [1, 2]}',
        "debug=1",
        routes=ROUTES,
    )

    answer = _handler(event)

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"count": 2, "query": {"debug": "1"}}


def test_binary_body_is_base64_encoded():
    event = to_proxy_event("POST", "/predict", {}, b"\xff\x00\xfe", None, routes=ROUTES)

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00\xfe"


def test_route_matching_needs_method_and_path():
    assert match_route(ROUTES, "GET", "/runs/abc") == ("/runs/{run_id}", {"run_id": "abc"})
    assert match_route(ROUTES, "GET", "/runs/a/b") is None
    assert match_route(ROUTES, "GET", "/predict") is None
    assert match_route([("ANY", "/files/{path+}")], "PUT", "/files/a/b") == (
        "/files/{path+}",
        {"path": "a/b"},
    )


def test_status_headers_and_body_round_trip_over_http():
    with _serving(_handler) as base:
        status, headers, body = _call(f"{base}/predict?debug=1", "POST", b'{"instances": [1]}')
        run_status, run_headers, run_body = _call(f"{base}/runs/r-7")

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"count": 1, "query": {"debug": "1"}}
    assert run_status == 200
    assert run_body == b"run r-7"
    assert run_headers.get_all("X-Run") == ["r-7", "again"]


def test_unknown_route_is_missing_authentication_token():
    with _serving(_handler) as base:
        status, headers, body = _call(f"{base}/nowhere")
        wrong_method, _, _ = _call(f"{base}/predict")

    assert status == 403
    assert json.loads(body) == {"message": "Missing Authentication Token"}
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert wrong_method == 403


def test_integration_exception_is_a_502():
    def broken(event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("handler crashed")

    with _serving(broken) as base:
        status, _, body = _call(f"{base}/model")

    assert status == 502
    assert json.loads(body) == {"message": "Internal server error"}


def test_malformed_proxy_response_is_a_502():
    with _serving(lambda event: {"body": "no status"}) as base:
        status, _, body = _call(f"{base}/model")

    assert status == 502
    assert json.loads(body) == {"message": "Internal server error"}


def test_base64_proxy_response_is_decoded():
    def binary(event: dict[str, Any]) -> dict[str, Any]:
        payload = base64.b64encode(b"\x00\x01").decode()
        return {
            "statusCode": 201,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": payload,
            "isBase64Encoded": True,
        }

    with _serving(binary) as base:
        status, headers, body = _call(f"{base}/model")

    assert (status, headers["Content-Type"], body) == (201, "application/octet-stream", b"\x00\x01")


def test_request_validator_rejects_a_bad_body_before_the_handler():
    seen: list[dict[str, Any]] = []

    def recording(event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        return _handler(event)

    bad_body = {"ResponseTemplates": {"application/json": gateway.BAD_REQUEST_BODY_TEMPLATE}}
    with _serving(
        recording,
        validators={("POST", "/predict"): PREDICT_SCHEMA},
        gateway_responses={"BAD_REQUEST_BODY": bad_body},
    ) as base:
        missing, _, missing_body = _call(f"{base}/predict", "POST", b'{"rows": []}')
        too_many, _, _ = _call(f"{base}/predict", "POST", b'{"instances": [1, 2, 3]}')
        not_json, _, _ = _call(f"{base}/predict", "POST", b"instances")
        good, _, good_body = _call(f"{base}/predict", "POST", b'{"instances": [1, 2]}')

    assert (missing, too_many, not_json) == (400, 400, 400)
    # The deployed API's gateway response names the problem in the API's error shape
    error = json.loads(missing_body)["error"]
    assert error["code"] == "InvalidRequestBody" and "instances" in error["message"]
    assert good == 200 and json.loads(good_body)["count"] == 2
    assert [json.loads(e["body"]) for e in seen] == [{"instances": [1, 2]}]


def test_payload_over_ten_megabytes_is_refused():
    with _serving(_handler) as base:
        status, _, body = _call(f"{base}/predict", "POST", b"x" * (MAX_PAYLOAD_BYTES + 1))

    assert status == 413
    assert "10485760" in json.loads(body)["message"]


def test_refusals_render_their_gateway_response_or_the_4xx_default():
    templates = {
        "MISSING_AUTHENTICATION_TOKEN": {
            "ResponseTemplates": {"application/json": gateway.template("MissingToken")}
        },
        "DEFAULT_4XX": {
            "StatusCode": "418",
            "ResponseTemplates": {"application/json": '{"t": "$context.error.responseType"}'},
        },
    }
    with _serving(_handler, gateway_responses=templates) as base:
        missing, _, missing_body = _call(f"{base}/nowhere", "GET")
        large, _, large_body = _call(f"{base}/predict", "POST", b"x" * (MAX_PAYLOAD_BYTES + 1))

    error = json.loads(missing_body)
    assert missing == 403 and error["error"] == {
        "code": "MissingToken",
        "message": "Missing Authentication Token",
    }
    assert error["request_id"]
    # No REQUEST_TOO_LARGE response: DEFAULT_4XX's status and template apply
    assert (large, json.loads(large_body)) == (418, {"t": "REQUEST_TOO_LARGE"})


def test_schema_subset_names_the_problem():
    schema = {
        "type": "object",
        "properties": {
            "instances": {"type": "array", "items": {"type": "object", "required": ["hour"]}},
            "inference_ids": {"type": "array", "items": {"type": "string"}},
        },
    }

    assert schema_problem(schema, {"instances": [{"hour": 1}], "inference_ids": ["a"]}) is None
    assert schema_problem(schema, {"instances": [{}]}) == "body.instances[0]: missing hour"
    assert (
        schema_problem(schema, {"inference_ids": [1]}) == "body.inference_ids[0]: expected string"
    )
    assert schema_problem({"type": "integer"}, True) == "body: expected integer"
