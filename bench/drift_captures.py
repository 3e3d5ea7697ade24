"""The deployed drift check over captured rows in moto S3: ``drift_bench.py --captures N``.

The handler runs as its Lambda runs it: ``lambdas.drift_check.handler.handler`` called
with a schedule event, its settings read from the variables infra sets (the model spec
from ``cdk.json`` as an S3 object named by ``MODEL_SPEC_URI``, the thresholds as infra
serializes them). The captures are in SageMaker's layout: one JSON line per request,
``--lines-per-object`` lines per object (1,000 by default), spread over the 24 hours
the first check reads, ``--per-request`` instances per line. Only the handler call is
timed; writing the captures is set-up.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import numpy as np
from moto import mock_aws

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.config import load_from_cdk_json  # noqa: E402
from infra.constructs.functions.drift_check import thresholds  # noqa: E402
from lambdas.shared import capture, clients  # noqa: E402
from lambdas.shared.contracts import environment as env  # noqa: E402
from lambdas.shared.drift import build_baseline  # noqa: E402

ENDPOINT = "bench-endpoint"
CAPTURES, ARTIFACTS = "bench-captures", "bench-artifacts"
WINDOW_END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::123456789012:role/bench"
BASELINE_KEY = "runs/r1/baseline/statistics.json"


@dataclass
class Context:
    function_name: str = "drift-check"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:drift-check"
    aws_request_id: str = "bench"


def rows(spec: Any, n: int, seed: int) -> dict[str, list[Any]]:
    """``n`` rows of the spec's features as columns: numbers, and categories from a few."""
    rng = np.random.default_rng(seed)
    return {
        f.name: rng.gamma(4.0, 1.5, n).round(3).tolist()
        if f.type == "numeric"
        else rng.choice(["north", "south", "east", "west"], n).tolist()
        for f in spec.features
    }


def put_captures(s3: Any, spec: Any, n: int, *, per_request: int, per_object: int) -> int:
    """``n`` captured rows, as SageMaker writes them; returns the number of objects."""
    columns = rows(spec, n, seed=2)
    names = list(columns)
    lines: list[str] = []
    objects = 0
    step = timedelta(hours=24) / max(1, n // per_request)
    for number, first in enumerate(range(0, n, per_request)):
        at = WINDOW_END - timedelta(hours=24) + step * (number + 0.5)
        indices = range(first, min(n, first + per_request))
        instances = [{name: columns[name][i] for name in names} for i in indices]
        ids = [str(uuid.uuid4()) for _ in instances]
        request = {"instances": instances, "inference_ids": ids}
        response = {"predictions": [30.0] * len(instances)}
        lines.append(
            capture.encode_line(
                request, response, event_id=ids[0], inference_id=ids[0], inference_time=at
            )
        )
        if len(lines) == per_object or first + per_request >= n:
            prefix = capture.variant_prefix(ENDPOINT, "champion")
            key = f"{prefix}{at:%Y/%m/%d/%H}/{uuid.uuid4()}.jsonl"
            s3.put_object(Bucket=CAPTURES, Key=key, Body="\n".join(lines).encode())
            lines, objects = [], objects + 1
    return objects


def champion(sagemaker: Any) -> None:
    """endpoint → config → model → model package carrying the baseline's URI."""
    sagemaker.create_model_package_group(ModelPackageGroupName="bench")
    package_arn = sagemaker.create_model_package(
        ModelPackageGroupName="bench",
        CustomerMetadataProperties={"baseline_uri": f"s3://{ARTIFACTS}/{BASELINE_KEY}"},
        InferenceSpecification={
            "Containers": [{"Image": "sklearn:1.9-0", "ModelDataUrl": f"s3://{ARTIFACTS}/m"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    sagemaker.create_model(
        ModelName="champion-model",
        ExecutionRoleArn=ROLE,
        Containers=[{"ModelPackageName": package_arn}],
    )
    variant = {
        "VariantName": "champion",
        "ModelName": "champion-model",
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
    }
    sagemaker.create_endpoint_config(EndpointConfigName="config-1", ProductionVariants=[variant])
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="config-1")


def environment(config: Any, state_machine_arn: str) -> dict[str, str]:
    """The drift check's variables, as infra sets them, with moto's names."""
    return {
        "POWERTOOLS_SERVICE_NAME": "drift_check",
        "POWERTOOLS_METRICS_NAMESPACE": "shadowloop",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        env.MODEL_SPEC_URI: f"s3://{ARTIFACTS}/model-spec.json",
        env.CAPTURE_BUCKET: CAPTURES,
        env.ARTIFACT_BUCKET: ARTIFACTS,
        env.ENDPOINT_NAME: ENDPOINT,
        env.STATE_MACHINE_ARN: state_machine_arn,
        env.DRIFT_THRESHOLDS: thresholds(config.drift),
        env.DRIFT_MIN_ROWS: str(config.drift.min_rows),
        env.DRIFT_COOLDOWN_MINUTES: str(config.drift.cooldown_minutes),
    }


def run(n: int, *, per_request: int = 1, per_object: int = 1_000) -> dict[str, Any]:
    """Seconds the handler takes over ``n`` captured rows, and what it reported."""
    config = load_from_cdk_json()
    spec = config.model
    os.environ.update(AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1")
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    with mock_aws():
        s3, sagemaker = boto3.client("s3"), boto3.client("sagemaker")
        for bucket in (CAPTURES, ARTIFACTS):
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=ARTIFACTS, Key="model-spec.json", Body=json.dumps(spec.to_dict()))
        baseline = build_baseline([rows(spec, 20_000, seed=1)], spec.features)
        s3.put_object(Bucket=ARTIFACTS, Key=BASELINE_KEY, Body=json.dumps(baseline))
        champion(sagemaker)
        machine = boto3.client("stepfunctions").create_state_machine(
            name="pipeline",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
            roleArn=ROLE,
        )
        objects = put_captures(s3, spec, n, per_request=per_request, per_object=per_object)
        os.environ.update(environment(config, machine["stateMachineArn"]))
        clients.clear()
        # The function's log lines and metrics go to its stdout, not the bench's one line.
        with contextlib.redirect_stdout(io.StringIO()):
            from lambdas.drift_check.handler import handler

            started, cpu = time.perf_counter(), time.process_time()
            result = handler({"window_end": WINDOW_END.isoformat()}, Context())
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.get("rows") != n:
        raise SystemExit(f"the check read {result.get('rows')} rows of {n}: {result}")
    return {"seconds": seconds, "cpu_seconds": cpu, "objects": objects}
