"""Real SageMaker endpoints on moto: shadow variants, update_endpoint, and real inference.

moto stores endpoints but serves canned answers, drops ``ShadowProductionVariants``
and has no ``UpdateEndpoint``. :class:`LocalEndpoints` patches those gaps in moto's
SageMaker and SageMaker Runtime models for as long as it is installed:

- an endpoint config keeps its shadow variants and describes them as given;
- creating and updating an endpoint take simulated time, and an update whose
  containers cannot start falls back to the old config (:mod:`endpoint_changes`);
- ``invoke_endpoint`` runs the real ``inference.py`` of the production variant's model
  package; the shadow variant gets the same request and its answer is only captured;
- each variant that ran writes SageMaker data capture to S3 and ``AWS/SageMaker``
  metrics to CloudWatch, stamped by :attr:`LocalEndpoints.clock`; capture lines are
  buffered per variant and hour and written as one object per interval
  (:mod:`capture_batches`), and always before anything reads the bucket;
- ``UpdateModelPackage`` changes only what it names, as SageMaker does
  (:mod:`model_packages`), so a promotion keeps the package's lineage and approver.

Everything is read and written through moto's backends, so it works the same under
``mock_aws`` and behind a moto server.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import random
import tarfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.exceptions import ServiceException
from moto.s3.models import s3_backends
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import (
    FakeEndpointConfig,
    SageMakerModelBackend,
    sagemaker_backends,
)
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse
from moto.utilities.utils import get_partition

from infra.instance_storage import UnknownInstanceType, has_instance_storage
from lambdas.shared import capture, s3uri
from shadowloop.localcloud import model_packages, shadow_variants
from shadowloop.localcloud.access.enforcer import AccessDenied
from shadowloop.localcloud.access.principals import Principal
from shadowloop.localcloud.capture_batches import CaptureBatches, Destination
from shadowloop.localcloud.endpoint_changes import EndpointChanges
from shadowloop.localcloud.model_runtime import InferenceScript, Prediction, ScriptError

log = logging.getLogger(__name__)

METRIC_NAMESPACE = "AWS/SageMaker"
# Where SageMaker extracts ModelDataUrl in a serving container.
CONTAINER_MODEL_DIR = PurePosixPath("/opt/ml/model")
_MISSING = object()


class EndpointNotFound(ServiceException):
    """What SageMaker Runtime answers for an endpoint that does not exist."""

    code = "ValidationError"

    def __init__(self, endpoint_name: str, account_id: str):
        super().__init__(f"Endpoint {endpoint_name} of account {account_id} not found.")


class InjectedFault(ServiceException):
    """An error SageMaker Runtime can answer, raised on purpose by :meth:`LocalEndpoints.fail_next`.

    ``code`` is one of InvokeEndpoint's error shapes (or ThrottlingException), so moto
    answers with the status the service model gives it.
    """

    def __init__(self, code: str, message: str):
        super().__init__(code, message)


class ModelError(ServiceException):
    """The production variant's container answered with an error (HTTP 424)."""

    code = "ModelError"

    def __init__(self, message: str, original_status_code: int):
        super().__init__(message)
        # moto serializes the error's members from attributes named as in the API model.
        self.OriginalStatusCode = original_status_code
        self.OriginalMessage = message


@dataclass(frozen=True)
class Invocation:
    """What ``invoke_endpoint`` returns to the caller."""

    body: bytes
    content_type: str
    invoked_production_variant: str


@dataclass(frozen=True)
class ModelSource:
    """Where a variant's model artifact and inference code live."""

    model_data_url: str
    submit_directory: str
    program: str


@dataclass(frozen=True)
class _Request:
    account_id: str
    region: str
    endpoint_name: str
    body: bytes
    content_type: str
    accept: str
    inference_id: str | None


@dataclass(frozen=True)
class _Outcome:
    prediction: Prediction | None
    error: ScriptError | None
    latency_us: int


class LocalEndpoints:
    """Serve real models behind moto's SageMaker endpoints while installed."""

    _installed: LocalEndpoints | None = None

    def __init__(
        self,
        workdir: Path,
        *,
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
    ):
        self.workdir = Path(workdir)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random()
        self._patches: list[tuple[Any, str, Any]] = []
        self._scripts: dict[str, InferenceScript] = {}
        self._lock = threading.Lock()
        self.changes = EndpointChanges(
            clock=lambda: self.clock(), start_variant=self._start_variant
        )
        # Set by the local cloud when it enforces IAM: SageMaker reads models and writes
        # captures as the model's execution role.
        self.access: Any = None
        self._faults: list[InjectedFault] = []
        self.captures = CaptureBatches(self._write_capture)

    def fail_next(self, code: str, message: str, *, times: int = 1) -> None:
        """Answer the next ``times`` invocations with ``code`` before any variant runs."""
        with self._lock:
            self._faults.extend(InjectedFault(code, message) for _ in range(times))

    def __enter__(self) -> LocalEndpoints:
        self.install()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.uninstall()

    def install(self) -> None:
        """Patch moto; only one instance can be installed at a time."""
        if LocalEndpoints._installed is not None:
            raise RuntimeError("local endpoints are already installed")
        LocalEndpoints._installed = self
        self.captures.install()
        endpoints = self
        original_create_config = SageMakerModelBackend.create_endpoint_config
        original_create_endpoint = SageMakerModelBackend.create_endpoint
        original_describe_endpoint = SageMakerModelBackend.describe_endpoint
        original_list_endpoints = SageMakerModelBackend.list_endpoints
        original_delete_endpoint = SageMakerModelBackend.delete_endpoint
        changes = self.changes
        original_config_from_cfn = FakeEndpointConfig.create_from_cloudformation_json.__func__

        def create_endpoint_config(backend, *args, shadow_production_variants=None, **kwargs):
            _refuse_volume_key_on_instance_storage(
                kwargs,
                [*(kwargs.get("production_variants") or []), *(shadow_production_variants or [])],
            )
            config = original_create_config(backend, *args, **kwargs)
            shadow_variants.attach_shadow_variants(backend, config, shadow_production_variants)
            return config

        def config_from_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
            config = original_config_from_cfn(
                cls, resource_name, cloudformation_json, account_id, region_name, **kw
            )
            shadows = cloudformation_json["Properties"].get("ShadowProductionVariants")
            shadow_variants.attach_shadow_variants(
                sagemaker_backends[account_id][region_name], config, shadows
            )
            return config

        def create_endpoint(backend, *args, **kwargs):
            endpoint = original_create_endpoint(backend, *args, **kwargs)
            shadow_variants.sync_shadow_summary(backend, endpoint)
            changes.created(endpoint)
            return endpoint

        def update_endpoint(backend, **kwargs):
            return changes.update(backend, **kwargs)

        def describe_endpoint(backend, endpoint_name):
            changes.settle(backend, endpoint_name)
            return original_describe_endpoint(backend, endpoint_name)

        def list_endpoints(backend, *args, **kwargs):
            changes.settle_all(backend)
            return original_list_endpoints(backend, *args, **kwargs)

        def delete_endpoint(backend, endpoint_name):
            changes.delete(
                backend, endpoint_name, lambda name: original_delete_endpoint(backend, name)
            )

        def invoke_endpoint(response):
            return endpoints._respond(response)

        self._patch(SageMakerModelBackend, "create_endpoint_config", create_endpoint_config)
        self._patch(SageMakerModelBackend, "create_endpoint", create_endpoint)
        self._patch(SageMakerModelBackend, "update_endpoint", update_endpoint)
        self._patch(SageMakerModelBackend, "describe_endpoint", describe_endpoint)
        self._patch(SageMakerModelBackend, "list_endpoints", list_endpoints)
        self._patch(SageMakerModelBackend, "delete_endpoint", delete_endpoint)
        self._patch(
            FakeEndpointConfig, "create_from_cloudformation_json", classmethod(config_from_cfn)
        )
        self._patch(
            SageMakerResponse,
            "create_endpoint_config",
            shadow_variants.response_create_endpoint_config,
        )
        self._patch(SageMakerResponse, "update_endpoint", shadow_variants.response_update_endpoint)
        self._patch(SageMakerRuntimeResponse, "invoke_endpoint", invoke_endpoint)
        self._patch(
            SageMakerModelBackend,
            "update_model_package",
            model_packages.merged_update(SageMakerModelBackend.update_model_package),
        )

    def uninstall(self) -> None:
        """Write the buffered captures, then undo every patch, newest first."""
        self.captures.uninstall()
        for owner, name, original in reversed(self._patches):
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self._patches.clear()
        if LocalEndpoints._installed is self:
            LocalEndpoints._installed = None

    def invoke(
        self,
        endpoint_name: str,
        body: bytes,
        *,
        content_type: str = "application/json",
        accept: str = "application/json",
        inference_id: str | None = None,
        account_id: str = "123456789012",
        region: str = "us-east-1",
    ) -> Invocation:
        """Invoke an endpoint as SageMaker does; raises EndpointNotFound or ModelError."""
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            raise fault
        request = _Request(
            account_id, region, endpoint_name, body, content_type, accept, inference_id
        )
        backend = sagemaker_backends[account_id][region]
        endpoint = self.changes.settle(backend, endpoint_name)
        # A new endpoint serves nothing until it is InService; an update keeps the old config.
        if endpoint is None or endpoint.endpoint_status not in ("InService", "Updating"):
            raise EndpointNotFound(endpoint_name, account_id)
        config = backend.endpoint_configs[endpoint.endpoint_config_name]
        production = self._pick_production(config.production_variants)
        outcome = self._run_variant(request, config, production)
        shadow = shadow_variants.shadow_of(config)
        if shadow is not None and self._mirrors(production, shadow):
            # The shadow's answer goes only to capture and metrics, whatever it is.
            self._run_variant(request, config, shadow)
        if outcome.error is not None:
            raise ModelError(outcome.error.message, outcome.error.status)
        assert outcome.prediction is not None
        return Invocation(
            body=outcome.prediction.body,
            content_type=outcome.prediction.content_type,
            invoked_production_variant=production["VariantName"],
        )

    # -- serving ---------------------------------------------------------------------

    def _respond(self, response: SageMakerRuntimeResponse) -> tuple[int, dict[str, str], bytes]:
        headers = response.headers
        invocation = self.invoke(
            _endpoint_name(response),
            _raw_body(response),
            content_type=headers.get("Content-Type") or "application/json",
            accept=headers.get("Accept") or "application/json",
            inference_id=headers.get("X-Amzn-SageMaker-Inference-Id"),
            account_id=response.current_account,
            region=response.region,
        )
        return (
            200,
            {
                "Content-Type": invocation.content_type,
                "x-Amzn-Invoked-Production-Variant": invocation.invoked_production_variant,
            },
            invocation.body,
        )

    def _run_variant(
        self, request: _Request, config: FakeEndpointConfig, variant: dict[str, Any]
    ) -> _Outcome:
        started = time.perf_counter()
        try:
            script = self._script_for(request, variant["ModelName"])
            prediction = script.invoke(request.body, request.content_type, request.accept)
            outcome = _Outcome(prediction, None, _micros_since(started))
        except ScriptError as exc:
            log.warning("variant %s failed in %s: %s", variant["VariantName"], exc.stage, exc)
            outcome = _Outcome(None, exc, _micros_since(started))
        self._put_metrics(request, variant["VariantName"], outcome)
        if outcome.prediction is not None:
            self._capture(
                request,
                config.data_capture_config,
                variant["VariantName"],
                outcome,
                model_name=variant["ModelName"],
            )
        return outcome

    def _pick_production(self, variants: list[dict[str, Any]]) -> dict[str, Any]:
        if len(variants) == 1:
            return variants[0]
        weights = [float(v.get("InitialVariantWeight", 1.0)) for v in variants]
        return self.rng.choices(variants, weights=weights)[0]

    def _mirrors(self, production: dict[str, Any], shadow: dict[str, Any]) -> bool:
        """The shadow's share of traffic is its weight relative to production's."""
        production_weight = float(production.get("InitialVariantWeight", 1.0)) or 1.0
        share = float(shadow.get("InitialVariantWeight", 1.0)) / production_weight
        return share >= 1.0 or self.rng.random() < share

    # -- models ------------------------------------------------------------------------

    def _start_variant(self, backend: SageMakerModelBackend, variant: dict[str, Any]) -> None:
        """Start a variant's container: load its model with its script, or raise why not."""
        request = _Request(backend.account_id, backend.region_name, "", b"", "", "", None)
        self._script_for(request, variant["ModelName"])

    def _script_for(self, request: _Request, model_name: str) -> InferenceScript:
        backend = sagemaker_backends[request.account_id][request.region]
        source = model_source(backend, model_name)
        # A submit directory inside the model (/opt/ml/model/code) is read with the model.
        s3_uris = (
            u for u in (source.model_data_url, source.submit_directory) if u.startswith("s3://")
        )
        for uri in s3_uris:
            try:
                self._require(request, model_name, "GetObject", uri)
            except AccessDenied as denied:
                raise ScriptError("model_fn", f"cannot read {uri}: {denied}", 500) from None
        s3 = _s3_backend(request)
        model_key = _fetch(s3, source.model_data_url)
        in_s3 = source.submit_directory.startswith("s3://")
        code_key = _fetch(s3, source.submit_directory) if in_s3 else None
        digest = hashlib.sha256(
            json.dumps(
                [
                    source.model_data_url,
                    model_key.etag,
                    source.submit_directory,
                    code_key.etag if code_key else None,
                    source.program,
                ]
            ).encode()
        ).hexdigest()[:16]
        with self._lock:
            script = self._scripts.get(digest)
            if script is None:
                home = self.workdir / "models" / digest
                model_dir = _extract_once(model_key.value, home / "model")
                code_dir = (
                    _extract_once(code_key.value, home / "code")
                    if code_key
                    else _code_in_model(source.submit_directory, model_dir, home / "code")
                )
                script = InferenceScript(code_dir, source.program, model_dir)
                self._scripts[digest] = script
        return script

    # -- capture and metrics ------------------------------------------------------------

    def _capture(
        self,
        request: _Request,
        capture_config: dict[str, Any],
        variant: str,
        outcome: _Outcome,
        *,
        model_name: str,
    ) -> None:
        if not capture_config or not _truthy(capture_config.get("EnableCapture", True)):
            return
        if self.rng.random() * 100 >= float(capture_config.get("InitialSamplingPercentage", 100)):
            return
        assert outcome.prediction is not None
        try:
            request_body = json.loads(request.body)
            response_body = json.loads(outcome.prediction.body)
        except ValueError:
            log.warning("not capturing a non-JSON exchange on %s", variant)
            return
        now = self.clock()
        line = capture.encode_line(
            request_body,
            response_body,
            event_id=str(uuid.uuid4()),
            inference_id=request.inference_id,
            inference_time=now,
        )
        bucket, prefix = s3uri.parse(capture_config["DestinationS3Uri"])
        hour = now.astimezone(UTC)
        directory = "/".join(
            p
            for p in (prefix.strip("/"), request.endpoint_name, variant, f"{hour:%Y/%m/%d/%H}")
            if p
        )
        destination = Destination(
            account_id=request.account_id,
            region=request.region,
            bucket=bucket,
            directory=directory,
            kms_key_id=capture_config.get("KmsKeyId"),
            model_name=model_name,
        )
        self.captures.add(destination, line)

    def _write_capture(self, destination: Destination, key: str, body: bytes) -> None:
        """One capture object, written as the model's execution role, as SageMaker does."""
        kms_key_id = destination.kms_key_id
        bucket = destination.bucket
        try:
            self._require_as(
                destination.account_id,
                destination.region,
                destination.model_name,
                "PutObject",
                f"s3://{bucket}/{key}",
                kms_key_id,
            )
            s3_backends[destination.account_id][get_partition(destination.region)].put_object(
                bucket,
                key,
                body,
                encryption="aws:kms" if kms_key_id else None,
                kms_key_id=kms_key_id,
            )
        except Exception as exc:  # SageMaker never fails an invocation over capture
            log.warning("data capture to s3://%s/%s failed: %s", bucket, key, exc)

    def _require(self, request: _Request, model_name: str, operation: str, uri: str) -> None:
        self._require_as(request.account_id, request.region, model_name, operation, uri)

    def _require_as(
        self,
        account_id: str,
        region: str,
        model_name: str,
        operation: str,
        uri: str,
        kms_key_id: str | None = None,
    ) -> None:
        """SageMaker's S3 use for a model is allowed to the model's execution role, or raise."""
        if self.access is None:
            return
        backend = sagemaker_backends[account_id][region]
        model = backend._models.get(model_name)
        role = getattr(model, "execution_role_arn", "") or ""
        bucket, key = s3uri.parse(uri)
        params = {"Bucket": bucket, "Key": key}
        if kms_key_id:
            params["SSEKMSKeyId"] = kms_key_id
        self.access.require_call(Principal.role(role, session="SageMaker"), "s3", operation, params)

    def _put_metrics(self, request: _Request, variant: str, outcome: _Outcome) -> None:
        status = outcome.error.status if outcome.error else 200
        dimensions = [
            {"Name": "EndpointName", "Value": request.endpoint_name},
            {"Name": "VariantName", "Value": variant},
        ]
        values = [
            ("Invocations", 1, "Count"),
            ("Invocation4XXErrors", int(400 <= status < 500), "Count"),
            ("Invocation5XXErrors", int(status >= 500), "Count"),
            ("ModelLatency", outcome.latency_us, "Microseconds"),
        ]
        # moto keeps metric timestamps as naive UTC, as its API layer parses them.
        timestamp = self.clock().astimezone(UTC).replace(tzinfo=None)
        cloudwatch_backends[request.account_id][request.region].put_metric_data(
            METRIC_NAMESPACE,
            [
                {
                    "MetricName": name,
                    "Value": float(value),
                    "Unit": unit,
                    "Dimensions": dimensions,
                    "Timestamp": timestamp,
                }
                for name, value, unit in values
            ],
        )

    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        self._patches.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, replacement)


def model_source(backend: SageMakerModelBackend, model_name: str) -> ModelSource:
    """Model → (model package →) container: the artifact, code tarball and program."""
    try:
        model = backend.describe_model(model_name)
        container = model.primary_container or (model.containers or [{}])[0]
        package_name = container.get("ModelPackageName")
        if package_name:
            package = backend.describe_model_package(package_name)
            container = ((package.inference_specification or {}).get("Containers") or [{}])[0]
    except ValidationError as exc:
        raise ScriptError("model_fn", f"model {model_name}: {exc.message}", 500) from None
    environment = container.get("Environment") or {}
    missing = [
        name
        for name, value in (
            ("ModelDataUrl", container.get("ModelDataUrl")),
            ("SAGEMAKER_SUBMIT_DIRECTORY", environment.get("SAGEMAKER_SUBMIT_DIRECTORY")),
            ("SAGEMAKER_PROGRAM", environment.get("SAGEMAKER_PROGRAM")),
        )
        if not value
    ]
    if missing:
        raise ScriptError("model_fn", f"model {model_name} has no {', '.join(missing)}", 500)
    return ModelSource(
        model_data_url=container["ModelDataUrl"],
        submit_directory=environment["SAGEMAKER_SUBMIT_DIRECTORY"],
        program=environment["SAGEMAKER_PROGRAM"],
    )


# -- small helpers ------------------------------------------------------------------------


def _endpoint_name(response: SageMakerRuntimeResponse) -> str:
    """The name from ``/endpoints/{EndpointName}/invocations``."""
    return unquote(response.path.split("/")[2])


def _raw_body(response: SageMakerRuntimeResponse) -> bytes:
    body = getattr(response, "raw_body", None) or response.body or b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _s3_backend(request: _Request) -> Any:
    return s3_backends[request.account_id][get_partition(request.region)]


def _fetch(s3: Any, uri: str) -> Any:
    """The moto S3 key behind an ``s3://`` URI; a missing one is the container's error."""
    try:
        bucket, key = s3uri.parse(uri)
        found = s3.get_object(bucket, key)
    except Exception as exc:
        raise ScriptError("model_fn", f"cannot read {uri}: {exc}", 500) from None
    if found is None:
        raise ScriptError("model_fn", f"cannot read {uri}: no such object", 500)
    return found


def _extract_once(tarball: bytes, target: Path) -> Path:
    """Unpack a tar.gz into ``target`` unless an earlier run already did."""
    done = target / ".extracted"
    if done.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:*") as archive:
        archive.extractall(target, filter="data")
    done.touch()
    return target


def _code_in_model(submit_directory: str, model_dir: Path, scratch: Path) -> Path:
    """A container path as the scikit-learn container's toolkit reads it.

    sagemaker-containers copies a directory (or unpacks a tar.gz) found at that path; in
    a serving container the only user files are the model's, extracted to /opt/ml/model.
    """
    path = PurePosixPath(submit_directory)
    if not path.is_relative_to(CONTAINER_MODEL_DIR):
        raise ScriptError(
            "model_fn", f"SAGEMAKER_SUBMIT_DIRECTORY {submit_directory}: no such directory", 500
        )
    local = model_dir.joinpath(*path.relative_to(CONTAINER_MODEL_DIR).parts)
    if local.is_dir():
        return local
    if local.is_file() and tarfile.is_tarfile(local):
        return _extract_once(local.read_bytes(), scratch)
    raise ScriptError(
        "model_fn",
        f"SAGEMAKER_SUBMIT_DIRECTORY {submit_directory}: not in the model's model.tar.gz",
        500,
    )


def _refuse_volume_key_on_instance_storage(
    request: dict[str, Any], variants: list[dict[str, Any]]
) -> None:
    """SageMaker refuses a KmsKeyId when any variant's instance type has local storage."""
    if not request.get("kms_key_id"):
        return
    for variant in variants:
        instance_type = variant.get("InstanceType")
        if instance_type and _instance_storage(instance_type):
            raise ValidationError(
                f"KmsKeyId is not supported for variant {variant.get('VariantName')!r}: "
                f"instance type {instance_type} has local instance storage, which is "
                "encrypted by the instance's hardware"
            )


def _instance_storage(instance_type: str) -> bool:
    try:
        return has_instance_storage(instance_type)
    except UnknownInstanceType:
        return False


def _micros_since(started: float) -> int:
    return int((time.perf_counter() - started) * 1_000_000)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
