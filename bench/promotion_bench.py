"""Benchmark the promotion check: its per-run work against the labels since the deploy.

    .venv/bin/python bench/promotion_bench.py [--pairs 10000 100000] [--hours 24] [--per-hour 50]

The promotion check's handler runs as its Lambda runs it (settings from the environment,
the shipped handler, warm clients between runs) against moto S3 and a moto SageMaker
endpoint with a challenger in shadow; the margin is one no challenger clears, so every
run waits and nothing deploys. Captures are written as SageMaker writes them (JSON lines,
one file per variant and hour), labels as the API files them (one object each). Printed
as JSON lines, each run with its wall and CPU seconds and its S3 requests (GETs, lists):

- **hourly**: ``--hours`` simulated hours of ``--per-hour`` labelled pairs, one run per
  hour, with a 4-hour label horizon and, side by side, a horizon longer than the run
  (nothing ever folds: every run reads everything since the deploy, as before the tally).
- **pairs**: ``--pairs`` labelled pairs at 139 an hour (10,000 in 72 hours, 100,000 in
  720). *all_since_deploy* runs with a horizon longer than the deploy's age, so nothing
  folds and it reads every pair since the deploy, which is what every run did before
  the tally (up to ``--first-run-max`` pairs). The *steady run* (horizon 24 h) has the
  tally a previous run would have stored (built in memory from the same generated
  pairs) and reads the open hours only. The time in the capture and label readers is
  shown apart.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import numpy as np
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.s3.models import s3_backends
from moto.sagemaker.responses import SageMakerResponse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lambdas.promotion_check import decision as decisions  # noqa: E402
from lambdas.promotion_check import state as st  # noqa: E402
from lambdas.promotion_check import window  # noqa: E402
from lambdas.promotion_check.tally import Tally  # noqa: E402
from lambdas.shared import capture, clients  # noqa: E402
from lambdas.shared.contracts import feedback  # noqa: E402
from lambdas.shared.endpoint_state import CHALLENGER, CHAMPION  # noqa: E402
from tests import inference_table  # noqa: E402

COMMAND = ".venv/bin/python bench/promotion_bench.py"
ENDPOINT = "bench-endpoint"
CONFIG = "bench-config"
CAPTURES, ARTIFACTS, TABLE = "captures", "artifacts", "inferences"
PER_FILE = 1000
PAIRS_PER_HOUR = 10_000 / 72
SPEC = {
    "dataset": "delivery-eta",
    "target": "delivery_minutes",
    "task": "regression",
    "metric": "rmse",
    "direction": "minimize",
    "features": [{"name": "distance_km", "type": "numeric"}],
}


@dataclass
class FakeContext:
    function_name: str = "promotion-check"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:promotion-check"
    aws_request_id: str = "bench"


class Phases:
    """Seconds spent in the check's two readers, by wrapping them where the check calls them."""

    def __init__(self) -> None:
        self.seconds = {"captures": 0.0, "labels": 0.0}
        self._predictions, self._feedback = window._predictions, window.read_feedback
        window._predictions = self._timed("captures", self._predictions)
        window.read_feedback = self._timed("labels", self._feedback)

    def _timed(self, phase: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - started

        return timed

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.seconds, 0.0)


def _keep_shadow_variants() -> None:
    """moto drops ShadowProductionVariants; keep them, as tests/integration does."""
    original = SageMakerResponse.create_endpoint_config

    def create_endpoint_config(self: Any) -> Any:
        result = original(self)
        config = self.sagemaker_backend.endpoint_configs[self._get_param("EndpointConfigName")]
        config.shadow_production_variants = self._get_param("ShadowProductionVariants")
        return result

    SageMakerResponse.create_endpoint_config = create_endpoint_config


def endpoint_with_shadow(sagemaker: Any) -> datetime:
    """A champion and a challenger in shadow; the config's creation time (window start)."""
    for name in ("champion-model", "challenger-model"):
        sagemaker.create_model(
            ModelName=name,
            PrimaryContainer={"Image": "sklearn:1.9", "ModelDataUrl": "s3://artifacts/m.tar.gz"},
            ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
        )
    variant = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    sagemaker.create_endpoint_config(
        EndpointConfigName=CONFIG,
        ProductionVariants=[{"VariantName": "champion", "ModelName": "champion-model", **variant}],
        ShadowProductionVariants=[
            {"VariantName": "challenger", "ModelName": "challenger-model", **variant}
        ],
    )
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=CONFIG)
    return sagemaker.describe_endpoint_config(EndpointConfigName=CONFIG)["CreationTime"]


class Writer:
    """Puts objects and items straight into moto's backends: setup, not what is measured."""

    def __init__(self) -> None:
        self.backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        self.table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        self.rng = np.random.default_rng(0)
        self.files = 0
        self.pairs: list[tuple[str, datetime, float, float, float]] = []
        """(id, champion time, champion prediction, challenger prediction, actual)"""

    def traffic(self, first: datetime, hours: int, pairs: int) -> None:
        """``pairs`` labelled requests spread evenly over ``hours`` hours from ``first``."""
        for hour in range(hours):
            base = first + timedelta(hours=hour)
            count = pairs // hours + (hour < pairs % hours)
            for start in range(0, count, PER_FILE):
                self._file(base, hour, range(start, min(start + PER_FILE, count)))

    def _file(self, base: datetime, hour: int, numbers: range) -> None:
        step = 3500 / max(len(numbers), 1)
        moments = [base + timedelta(seconds=5 + (n - numbers.start) * step) for n in numbers]
        ids = [f"{base:%Y%m%d%H}-{n:06d}" for n in numbers]
        truth = self.rng.normal(30, 8, len(ids))
        self.files += 1
        predicted = {}
        for variant, bias, spread in (("champion", 0.0, 3.0), ("challenger", 0.3, 2.5)):
            predictions = predicted[variant] = truth + self.rng.normal(bias, spread, len(ids))
            lines = [
                capture.encode_line(
                    {"instances": [{"distance_km": 3.0}], "inference_ids": [i]},
                    {"predictions": [float(p)]},
                    event_id=f"e-{i}",
                    inference_id=i,
                    inference_time=at,
                )
                for i, p, at in zip(ids, predictions, moments, strict=True)
            ]
            key = f"capture/{ENDPOINT}/{variant}/{base:%Y/%m/%d/%H}/part-{self.files:06d}.jsonl"
            self.backend.put_object(CAPTURES, key, "\n".join(lines).encode())
        self.pairs += zip(
            ids, moments, predicted["champion"], predicted["challenger"], truth, strict=True
        )
        for i, actual, at in zip(ids, truth, moments, strict=True):
            # The inference item as POST /feedback leaves it: labelled under its hour.
            item = {
                "inference_id": {"S": i},
                feedback.ACTUAL: feedback.encode_actual(float(actual)),
                feedback.HOUR: {"S": feedback.hour_key(at)},
            }
            self.table.put_item(TABLE, item)

    def seed_state(self, s3: Any, start: datetime, until: datetime) -> None:
        """The tally a previous run would have folded up to ``until``, stored as it stores it."""
        folded = [p for p in self.pairs if p[1] <= until]
        predictions = {
            CHAMPION: {i: float(c) for i, _, c, _, _ in folded},
            CHALLENGER: {i: float(x) for i, _, _, x, _ in folded},
        }
        actuals = {i: float(a) for i, _, _, _, a in folded}
        joined = decisions.join("regression", predictions, actuals)
        counts = {CHAMPION: len(folded), CHALLENGER: len(folded)}
        tally = Tally.of("regression", "rmse", joined, counts)
        nothing = st.Folded(start, Tally())
        st.save(s3, ARTIFACTS, CONFIG, read=nothing, start=start, until=until, tally=tally)


def environment(horizon: int) -> None:
    values = {
        "ENDPOINT_NAME": ENDPOINT,
        "CAPTURE_BUCKET": CAPTURES,
        "ARTIFACT_BUCKET": ARTIFACTS,
        "INFERENCE_TABLE": TABLE,
        "MODEL_SPEC": json.dumps(SPEC),
        "PROMOTION_MARGIN": "50",
        "PROMOTION_MIN_LABELLED": "200",
        "PROMOTION_ALPHA": "0.05",
        "PROMOTION_LABEL_HORIZON_HOURS": str(horizon),
        "DEPLOY_FUNCTION_NAME": "bench-deploy",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_METRICS_NAMESPACE": "bench",
        "POWERTOOLS_SERVICE_NAME": "promotion-check",
    }
    os.environ.update(values)


class Requests:
    """The storage requests the function's own clients send, counted on their request events."""

    def __init__(self) -> None:
        self.counts = {"GetObject": 0, "ListObjectsV2": 0, "Query": 0}
        for operation in ("GetObject", "ListObjectsV2"):
            clients.s3().meta.events.register(
                f"before-parameter-build.s3.{operation}", self._count(operation)
            )
        clients.client("dynamodb").meta.events.register(
            "before-parameter-build.dynamodb.Query", self._count("Query")
        )

    def _count(self, operation: str) -> Any:
        def count(**_: Any) -> None:
            self.counts[operation] += 1

        return count

    def taken(self) -> dict[str, int]:
        counts, self.counts = self.counts, dict.fromkeys(self.counts, 0)
        return {
            "gets": counts["GetObject"],
            "lists": counts["ListObjectsV2"],
            "queries": counts["Query"],
        }


def run_check(at: datetime, requests: Requests) -> dict[str, Any]:
    """One scheduled invocation of the shipped handler: seconds, requests and its report."""
    from lambdas.promotion_check.handler import handler

    requests.taken()
    wall, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):  # the handler's metrics (EMF) lines
        report = handler({"time": at.strftime("%Y-%m-%dT%H:%M:%SZ")}, FakeContext())
    return {
        "seconds": round(time.perf_counter() - wall, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        **requests.taken(),
        "labelled": report["labelled"],
        "decision": report["decision"],
    }


def fresh_cloud() -> tuple[Any, datetime]:
    """Buckets and the endpoint in a new moto; the function's clients made afresh (a cold start)."""
    clients.clear()
    s3 = boto3.client("s3", region_name="us-east-1")
    for bucket in (CAPTURES, ARTIFACTS):
        s3.create_bucket(Bucket=bucket)
    inference_table.create(boto3.client("dynamodb", region_name="us-east-1"), TABLE)
    start = endpoint_with_shadow(boto3.client("sagemaker", region_name="us-east-1"))
    return s3, start


def pairs(total: int, phases: Phases, first_run_max: int) -> dict[str, Any]:
    environment(horizon=24)
    with mock_aws():
        s3, start = fresh_cloud()
        requests = Requests()
        first_hour = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        hours = round(total / PAIRS_PER_HOUR)
        writer = Writer()
        writer.traffic(first_hour, hours, total)
        at = first_hour + timedelta(hours=hours, minutes=10)
        out: dict[str, Any] = {"bench": "pairs", "labelled_pairs": total, "hours": hours}
        runs = []
        if total <= first_run_max:
            # A horizon past the deploy: nothing folds, every pair is read, as before the tally.
            runs.append(("all_since_deploy", at, hours + 48))
        runs.append(("steady_run", at + timedelta(hours=1), 24))
        for name, moment, horizon in runs:
            environment(horizon=horizon)
            if name == "steady_run":
                writer.seed_state(s3, start, moment.replace(minute=0) - timedelta(hours=25))
            phases.reset()
            out[name] = run_check(moment, requests) | {
                "reading_captures_s": round(phases.seconds["captures"], 2),
                "reading_labels_s": round(phases.seconds["labels"], 2),
            }
        return out


def hourly(hours: int, per_hour: int, horizon: int) -> dict[str, Any]:
    environment(horizon=horizon)
    with mock_aws():
        _, start = fresh_cloud()
        requests = Requests()
        first_hour = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        writer = Writer()
        runs = []
        for hour in range(hours):
            writer.traffic(first_hour + timedelta(hours=hour), 1, per_hour)
            runs.append(run_check(first_hour + timedelta(hours=hour + 1, minutes=10), requests))
    return {
        "bench": "hourly",
        "label_horizon_hours": horizon,
        "pairs_per_hour": per_hour,
        "seconds_per_hour": [r["seconds"] for r in runs],
        "cpu_seconds_per_hour": [r["cpu_seconds"] for r in runs],
        "gets_per_hour": [r["gets"] for r in runs],
        "lists_per_hour": [r["lists"] for r in runs],
        "labelled_at_last_hour": runs[-1]["labelled"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--per-hour", type=int, default=50)
    parser.add_argument("--first-run-max", type=int, default=20_000)
    args = parser.parse_args(argv)
    _keep_shadow_variants()
    phases = Phases()
    started = datetime.now(UTC).isoformat()
    print(json.dumps({"bench": "promotion", "command": COMMAND, "at": started}), flush=True)
    for horizon in (4, args.hours + 24):
        print(json.dumps(hourly(args.hours, args.per_hour, horizon)), flush=True)
    for total in args.pairs:
        print(json.dumps(pairs(total, phases, args.first_run_max)), flush=True)


if __name__ == "__main__":
    main()
