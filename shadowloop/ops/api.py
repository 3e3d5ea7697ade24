"""Calls to the REST API: plain HTTP locally, SigV4-signed against a deployed stack."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


class ApiError(RuntimeError):
    """The API answered with an error status; the message is the API's own."""

    def __init__(self, status: int, body: Any) -> None:
        message = body
        if isinstance(body, dict):
            error = body.get("error", body)
            message = error.get("message", body) if isinstance(error, dict) else error
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.body = body


@dataclass
class ApiClient:
    base_url: str
    session: boto3.Session | None = None
    """When set, requests are signed with its credentials (IAM auth on the deployed API)."""
    timeout: float = 30.0

    def predict(self, instances: list[dict[str, Any]]) -> dict[str, Any]:
        return self.request("POST", "/predict", {"instances": instances})

    def feedback(self, inference_id: str, actual: Any) -> dict[str, Any]:
        return self.request("POST", "/feedback", {"inference_id": inference_id, "actual": actual})

    def model(self) -> dict[str, Any]:
        return self.request("GET", "/model")

    def inference(self, inference_id: str) -> dict[str, Any]:
        """The record of one prediction with its model's lineage (GET /inferences/{id})."""
        return self.request("GET", f"/inferences/{quote(inference_id, safe='')}")

    def request(self, method: str, path: str, body: Any = None) -> Any:
        url = self.base_url.rstrip("/") + path
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if self.session is not None:
            headers = self._signed(method, url, data, headers)
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise ApiError(exc.code, parsed) from None
        except urllib.error.URLError as exc:
            raise ConnectionError(f"cannot reach the API at {url}: {exc.reason}") from None

    def _signed(
        self, method: str, url: str, data: bytes | None, headers: dict[str, str]
    ) -> dict[str, str]:
        assert self.session is not None
        credentials = self.session.get_credentials()
        if credentials is None:
            raise PermissionError("no AWS credentials to sign the request with")
        aws_request = AWSRequest(method=method, url=url, data=data, headers=headers)
        SigV4Auth(
            credentials.get_frozen_credentials(), "execute-api", self.session.region_name
        ).add_auth(aws_request)
        return dict(aws_request.headers.items())
