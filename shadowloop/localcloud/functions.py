"""Runs deployed Lambda handlers in-process: the compute moto's Lambda lacks.

moto (with ``use_docker=False``) echoes the payload instead of running code. The
runtime patches its invoke so that Step Functions tasks, ``lambda.invoke`` calls
and the local clock all run the real handler module with the environment the
template gave the function, acting as its execution role. Handler output goes to
a per-function log file, as CloudWatch Logs would hold it; embedded-metric-format
lines become CloudWatch metrics, as they do on AWS.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import sys
import threading
import traceback
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from moto.awslambda_simple.models import LambdaSimpleBackend

from shadowloop.localcloud.access.principals import Principal, acting_as
from shadowloop.localcloud.environ import patched_environ
from shadowloop.localcloud.lambda_imports import layer_problem
from shadowloop.localcloud.provision import Deployment, FunctionSpec

# The patched method's signature; tests/integration/localcloud checks it is unchanged.
PATCHED = (LambdaSimpleBackend, "invoke")


class FunctionFailed(RuntimeError):
    """A handler raised; carries the Lambda-style error type and message."""

    def __init__(self, function: str, error_type: str, message: str) -> None:
        super().__init__(f"{function}: {error_type}: {message}")
        self.error_type = error_type
        self.message = message


@dataclass
class _Context:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    aws_request_id: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


class FunctionRuntime:
    """Runs handlers of one deployment; one invocation at a time, nesting allowed."""

    def __init__(self, deployment: Deployment, *, log_dir: Path, metrics_sink: Any = None) -> None:
        self.deployment = deployment
        self.log_dir = log_dir
        self.metrics_sink = metrics_sink
        self._lock = threading.RLock()
        self._original = getattr(*PATCHED)
        log_dir.mkdir(parents=True, exist_ok=True)

    def install(self) -> None:
        runtime = self
        self._stdout = sys.stdout
        sys.stdout = _ThreadStdout(self._stdout)

        def invoke(backend, function_name, qualifier, body, headers, response_headers):  # noqa: ANN001
            event = json.loads(body) if body else {}
            try:
                result = runtime.invoke(function_name, event)
            except FunctionFailed as exc:
                response_headers["x-amz-function-error"] = "Unhandled"
                return json.dumps(
                    {"errorType": exc.error_type, "errorMessage": exc.message}
                ).encode()
            return json.dumps(result).encode()

        setattr(PATCHED[0], PATCHED[1], invoke)

    def uninstall(self) -> None:
        setattr(PATCHED[0], PATCHED[1], self._original)
        if isinstance(sys.stdout, _ThreadStdout):
            sys.stdout = self._stdout
        # The sandboxes end with the cloud: the next deployment imports each handler module
        # afresh, so what a handler keeps at module level (the API's endpoint description)
        # never reaches another deployment.
        for spec in self.deployment.functions.values():
            sys.modules.pop(spec.handler.rpartition(".")[0], None)

    def invoke(self, function: str, event: Any) -> Any:
        """Run the function's handler on ``event``; raises FunctionFailed on a handler error."""
        spec = self.deployment.function(function)
        request_id = str(uuid.uuid4())
        context = _Context(
            function_name=spec.name,
            invoked_function_arn=spec.arn,
            log_group_name=f"/aws/lambda/{spec.name}",
            aws_request_id=request_id,
        )
        identity = acting_as(Principal.role(spec.role, session=spec.name) if spec.role else None)
        with self._lock, identity, self._environment(spec), self._captured(spec) as output:
            problem = layer_problem(spec.handler, spec.layers)
            if problem is not None:  # Lambda would fail the import: so does the local cloud
                raise FunctionFailed(spec.name, "Runtime.ImportModuleError", problem)
            # Imported under the function's environment: Powertools reads it at import.
            handler = _load(spec.handler)
            try:
                result = handler(event, context)
            except Exception as exc:  # a handler error is the function's answer, as on AWS
                output.write(traceback.format_exc())
                raise FunctionFailed(spec.name, type(exc).__name__, str(exc)) from exc
        return result

    @contextlib.contextmanager
    def _environment(self, spec: FunctionSpec) -> Iterator[None]:
        values = {
            **spec.environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_REGION": self.deployment.region,
            "AWS_DEFAULT_REGION": self.deployment.region,
            # No X-Ray daemon runs locally; on AWS the tracer sends segments to it.
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        with patched_environ(**values):
            yield

    @contextlib.contextmanager
    def _captured(self, spec: FunctionSpec) -> Iterator[io.StringIO]:
        buffer = io.StringIO()
        redirected = _redirect_log_handlers(buffer)
        previous = _ThreadStdout.route(buffer)
        try:
            # A function's warnings belong in its log, as on Lambda, not on the caller's terminal.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                yield buffer
        finally:
            _ThreadStdout.route(previous)
            for warning in caught:
                buffer.write(f"{warning.category.__name__}: {warning.message}\n")
            for handler, stream in redirected:
                handler.setStream(stream)
            text = buffer.getvalue()
            with (self.log_dir / f"{spec.name}.log").open("a") as log:
                log.write(text)
            if self.metrics_sink is not None:
                self.metrics_sink(text)


class _ThreadStdout(io.TextIOBase):
    """stdout that sends a thread's writes to the log of the function it is running.

    Handlers run on Step Functions and HTTP threads while the CLI prints on the main
    thread, so a process-wide redirect would swallow the CLI's own output.
    """

    _local = threading.local()

    def __init__(self, default: Any) -> None:
        self.default = default

    @classmethod
    def route(cls, stream: Any) -> Any:
        previous = getattr(cls._local, "stream", None)
        cls._local.stream = stream
        return previous

    def write(self, text: str) -> int:
        return (getattr(self._local, "stream", None) or self.default).write(text)

    def flush(self) -> None:
        (getattr(self._local, "stream", None) or self.default).flush()

    def isatty(self) -> bool:
        return self.default.isatty()

    def fileno(self) -> int:
        return self.default.fileno()


def _load(handler: str) -> Any:
    module_name, _, attribute = handler.rpartition(".")
    if not module_name:
        raise FunctionFailed(handler, "Runtime.HandlerNotFound", f"bad handler {handler!r}")
    module = importlib.import_module(module_name)
    return getattr(module, attribute)


def _redirect_log_handlers(stream: io.StringIO) -> list[tuple[logging.StreamHandler, Any]]:
    """Point Powertools Logger handlers (they hold the stdout of their creation) at the log."""
    redirected = []
    loggers = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and isinstance(
                handler.formatter, LambdaPowertoolsFormatter
            ):
                redirected.append((handler, handler.stream))
                handler.setStream(stream)
    return redirected
