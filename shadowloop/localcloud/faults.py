"""Service errors on demand: a test makes an AWS call fail as AWS would, once or for good.

``Faults.fail("sns", "Publish", "Throttled", times=1)`` makes the next SNS Publish made
in this process answer AWS's error response for that code (``where``: only requests
whose URL holds that text, e.g. an S3 key prefix): the status the service model
gives the code (else ``status``) and the body in the service's protocol. The response
replaces the one moto would send, after the access and request checks, so botocore
parses it and applies its retry policy exactly as it would to AWS's answer, and Step
Functions names it from there (``SNS.ThrottledException``). Only tests use it; nothing
deployed knows it exists.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import botocore.session
from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

# The patched member; tests/integration/localcloud checks that moto still has it.
PATCHED = (BotocoreStubber, "__call__")


@dataclass
class Fault:
    """One injected error: which call, what AWS answers, how many more times (None: always)."""

    event: str
    code: str
    message: str
    status: int
    protocol: str
    remaining: int | None
    where: str | None = None
    injected: int = 0

    def matches(self, event_name: str, url: str) -> bool:
        return (
            self.event == event_name
            and self.remaining != 0
            and (self.where is None or self.where in url)
        )

    def response(self, url: str) -> AWSResponse:
        request_id = str(uuid.uuid4())
        headers = {"x-amzn-RequestId": request_id}
        if self.protocol in ("json", "rest-json"):
            headers["x-amzn-ErrorType"] = self.code
            headers["Content-Type"] = "application/x-amz-json-1.1"
            body = json.dumps({"__type": self.code, "message": self.message}).encode()
        else:
            error = (
                f"<Error><Type>{'Sender' if self.status < 500 else 'Receiver'}</Type>"
                f"<Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message></Error>"
            )
            wrapper = "ErrorResponse" if self.protocol == "query" else ""
            body = (
                f"<{wrapper}>{error}<RequestId>{request_id}</RequestId></{wrapper}>"
                if wrapper
                else error.replace("</Error>", f"<RequestId>{request_id}</RequestId></Error>")
            ).encode()
            headers["Content-Type"] = "text/xml"
        return AWSResponse(url, self.status, headers, MockRawResponse(body))


class Faults:
    """While installed, calls matching a registered fault get its error instead of moto's answer."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._original: Any = None

    def fail(
        self,
        service: str,
        operation: str,
        code: str,
        *,
        times: int | None = 1,
        message: str = "injected by the local cloud",
        status: int = 400,
        where: str | None = None,
    ) -> Fault:
        """Make ``service``'s ``operation`` answer ``code`` the next ``times`` calls (None: all)."""
        model = botocore.session.get_session().get_service_model(service)
        model.operation_model(operation)  # a misspelled operation fails here, not silently
        fault = Fault(
            event=f"before-send.{model.service_id.hyphenize()}.{operation}",
            code=code,
            message=message,
            status=_modeled_status(model, code) or status,
            protocol=model.protocol,
            remaining=times,
            where=where,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def install(self) -> None:
        original = self._original = getattr(*PATCHED)
        faults = self

        def call(stubber: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
            fault = faults._take(event_name, request.url)
            if fault is not None and stubber.enabled:
                return fault.response(request.url)
            return original(stubber, event_name, request, **kwargs)

        setattr(*PATCHED, call)

    def uninstall(self) -> None:
        if self._original is not None:
            setattr(*PATCHED, self._original)
            self._original = None
        self.clear()

    def _take(self, event_name: str, url: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(event_name, url):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    fault.injected += 1
                    return fault
        return None


def _modeled_status(model: Any, code: str) -> int | None:
    """The HTTP status the service model gives an error code (SNS ``Throttled``: 429)."""
    for shape in model.error_shapes:
        error = shape.metadata.get("error", {})
        if code in (shape.name, error.get("code")) and "httpStatusCode" in error:
            return int(error["httpStatusCode"])
    return None


@contextmanager
def s3_slow_down(prefix: str, *, times: int | None = None) -> Iterator[Fault]:
    """While active, S3 GetObject of keys under ``prefix`` answers 503 ``SlowDown``.

    S3's model names no ``SlowDown`` error, so its status is given here as S3 sends it.
    """
    faults = Faults()
    faults.install()
    try:
        yield faults.fail(
            "s3", "GetObject", "SlowDown", times=times, status=503, where=f"/{prefix}"
        )
    finally:
        faults.uninstall()
