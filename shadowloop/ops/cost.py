"""The monthly AWS cost of a deployed config, per service, at a given prediction volume.

Every price and every assumption comes from ``prices.json`` beside this module; every
deployed setting (instances, sampling, schedules, retention) from the ``Config`` that
``cdk deploy`` uses. Free tiers are left out: the figures are list prices.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import Config
from lambdas.deploy.requests import SERVERLESS_MEMORY_MB

PRICES_FILE = Path(__file__).with_name("prices.json")
GB = 1024**3
# Which endpoint a line belongs to: both, only a real-time one, only a serverless one,
# or the managed monitoring that would replace the checks.
BOTH, REAL_TIME, SERVERLESS, MANAGED = "both", "real-time", "serverless", "managed"
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


class PriceError(ValueError):
    """A price or an assumption is missing or malformed; the message names it."""


@dataclass(frozen=True)
class PriceBook:
    """The list prices and named assumptions of ``prices.json``."""

    region: str
    checked: str
    prices: Mapping[str, Any]
    assumptions: Mapping[str, Any]

    def price(self, name: str, instance_type: str | None = None) -> float:
        entry = self.prices.get(name)
        if not isinstance(entry, Mapping) or "usd" not in entry:
            raise PriceError(f"prices.{name}: missing price")
        usd = entry["usd"]
        if instance_type is not None:
            if not isinstance(usd, Mapping) or instance_type not in usd:
                raise PriceError(f"prices.{name}: no price for {instance_type}")
            usd = usd[instance_type]
        if isinstance(usd, bool) or not isinstance(usd, int | float) or usd < 0:
            raise PriceError(f"prices.{name}: {usd!r} is not a price in USD")
        return float(usd)

    def assume(self, name: str) -> Any:
        entry = self.assumptions.get(name)
        if not isinstance(entry, Mapping) or "value" not in entry:
            raise PriceError(f"assumptions.{name}: missing")
        return entry["value"]

    def number(self, name: str) -> float:
        value = self.assume(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise PriceError(f"assumptions.{name}: {value!r} is not a non-negative number")
        return float(value)


def load_prices(path: Path = PRICES_FILE) -> PriceBook:
    """Read the price book; a missing or malformed file is a ``PriceError``."""
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PriceError(f"{path}: cannot read the prices ({exc})") from None
    for key in ("region", "checked", "prices", "assumptions"):
        if key not in document:
            raise PriceError(f"{path}: missing {key!r}")
    return PriceBook(
        region=document["region"],
        checked=document["checked"],
        prices=document["prices"],
        assumptions=document["assumptions"],
    )


@dataclass(frozen=True)
class Line:
    """One service's monthly cost and how it was reckoned."""

    service: str
    usd: float
    basis: str
    applies: str = BOTH


@dataclass(frozen=True)
class Estimate:
    """The monthly cost at one prediction volume."""

    predictions: int
    lines: tuple[Line, ...]

    def total(self, endpoint: str, *, managed_monitoring: bool = False) -> float:
        """The sum for a real-time or serverless endpoint, with our checks or Model Monitor."""
        kept = {BOTH, endpoint, MANAGED} if managed_monitoring else {BOTH, endpoint}
        lines = [line for line in self.lines if line.applies in kept]
        if managed_monitoring:
            lines = [line for line in lines if line.service != CHECKS]
        return sum(line.usd for line in lines)

    def totals(self) -> dict[str, float]:
        return {
            REAL_TIME: self.total(REAL_TIME),
            SERVERLESS: self.total(SERVERLESS),
            f"{REAL_TIME} + Model Monitor": self.total(REAL_TIME, managed_monitoring=True),
        }


CHECKS = "Lambda: scheduled checks"


def invocations_per_month(schedule: str, hours_per_month: float) -> float:
    """How often an EventBridge ``rate(...)`` schedule fires in a month."""
    match = _RATE.match(schedule)
    if not match:
        raise PriceError(f"{schedule!r}: only rate(...) schedules can be estimated")
    every = int(match.group(1)) * _MINUTES[match.group(2).rstrip("s")]
    if every == 0:
        raise PriceError(f"{schedule!r}: a rate of zero never fires")
    return hours_per_month * 60 / every


def estimate(config: Config, book: PriceBook, predictions: int, runs_per_month: int) -> Estimate:
    """Every service's monthly cost at ``predictions`` a month and ``runs_per_month`` runs."""
    if predictions < 0:
        raise PriceError(f"predictions: {predictions} must not be negative")
    if runs_per_month < 0:
        raise PriceError(f"runs per month: {runs_per_month} must not be negative")
    traffic = _Traffic.of(config, book, predictions)
    lines = (
        _api_gateway(book, traffic),
        _api_lambda(book, traffic),
        _checks(config, book),
        _dynamodb(config, book, traffic),
        _captures(book, traffic),
        _feedback(config, book, traffic),
        _cloudwatch(config, book, traffic),
        _real_time_endpoint(config, book, traffic),
        _serverless_endpoint(book, traffic),
        _pipeline(config, book, runs_per_month),
        _model_monitor(book),
    )
    return Estimate(predictions=predictions, lines=lines)


@dataclass(frozen=True)
class _Traffic:
    predictions: float
    predict_requests: float
    feedback: float
    shadow_share: float
    capture_share: float

    @property
    def requests(self) -> float:
        return self.predict_requests + self.feedback

    @classmethod
    def of(cls, config: Config, book: PriceBook, predictions: int) -> _Traffic:
        per_request = book.number("records_per_request")
        if per_request < 1:
            raise PriceError("assumptions.records_per_request: must be at least 1")
        return cls(
            predictions=float(predictions),
            predict_requests=predictions / per_request,
            feedback=predictions * book.number("feedback_fraction"),
            shadow_share=config.serving.shadow_sampling_percent / 100,
            capture_share=config.serving.capture_sampling_percent / 100,
        )


def _lambda_usd(book: PriceBook, invocations: float, seconds: float, memory_mb: float) -> float:
    compute = invocations * seconds * memory_mb / 1024 * book.price("lambda_gb_second_arm")
    return invocations * book.price("lambda_request") + compute


def _api_gateway(book: PriceBook, t: _Traffic) -> Line:
    usd = t.requests * book.price("api_gateway_request")
    return Line("API Gateway", usd, f"{t.requests:,.0f} REST requests (predict + feedback)")


def _api_lambda(book: PriceBook, t: _Traffic) -> Line:
    seconds, memory = book.number("api_duration_ms") / 1000, book.number("api_memory_mb")
    usd = _lambda_usd(book, t.requests, seconds, memory)
    return Line(
        "Lambda: API", usd, f"{t.requests:,.0f} × {seconds * 1000:.0f} ms × {memory:.0f} MB"
    )


def _checks(config: Config, book: PriceBook) -> Line:
    hours = book.number("hours_per_month")
    runs = 0.0
    for name in ("drift", "quality", "promotion"):
        schedule = getattr(config, name).schedule
        try:
            runs += invocations_per_month(schedule, hours)
        except PriceError as exc:
            raise PriceError(f"{name}.schedule: {exc}") from None
    seconds, memory = book.number("check_duration_seconds"), book.number("check_memory_mb")
    usd = _lambda_usd(book, runs, seconds, memory)
    return Line(CHECKS, usd, f"{runs:,.0f} runs × {seconds:.0f} s × {memory:.0f} MB")


def _dynamodb(config: Config, book: PriceBook, t: _Traffic) -> Line:
    item_bytes = book.number("audit_item_bytes")
    writes = t.predictions * math.ceil(item_bytes / 1024)
    reads = t.feedback  # feedback looks its prediction up: one strongly consistent read
    days_per_month = book.number("hours_per_month") / 24
    stored_gb = t.predictions * config.serving.audit_retention_days / days_per_month
    stored_gb *= item_bytes / GB
    usd = (
        writes * book.price("dynamodb_write_request")
        + reads * book.price("dynamodb_read_request")
        + stored_gb * book.price("dynamodb_storage_gb_month")
    )
    basis = (
        f"{writes:,.0f} writes, {reads:,.0f} reads, {stored_gb:,.1f} GB kept "
        f"{config.serving.audit_retention_days} days"
    )
    return Line("DynamoDB: inferences", usd, basis)


def _captures(book: PriceBook, t: _Traffic) -> Line:
    lines = t.predictions * t.capture_share * (1 + t.shadow_share)
    puts = lines / book.number("capture_records_per_object")
    gb = lines * book.number("capture_record_bytes") / GB
    usd = puts * book.price("s3_put_request") + gb * book.price("s3_storage_gb_month")
    basis = f"{lines:,.0f} lines in {puts:,.0f} PUTs; +{gb:,.1f} GB stored each month"
    return Line("S3: data capture", usd, basis, REAL_TIME)


def _feedback(config: Config, book: PriceBook, t: _Traffic) -> Line:
    """Each answer updates its audit item and writes one item of the feedback index."""
    index_bytes = book.number("feedback_index_bytes")
    per_answer = math.ceil(book.number("audit_item_bytes") / 1024) + math.ceil(index_bytes / 1024)
    writes = t.feedback * per_answer
    days_per_month = book.number("hours_per_month") / 24
    stored_gb = t.feedback * config.serving.audit_retention_days / days_per_month
    stored_gb *= index_bytes / GB
    usd = writes * book.price("dynamodb_write_request") + stored_gb * book.price(
        "dynamodb_storage_gb_month"
    )
    return Line("DynamoDB: feedback", usd, f"{writes:,.0f} writes, index {stored_gb:,.2f} GB kept")


def _cloudwatch(config: Config, book: PriceBook, t: _Traffic) -> Line:
    metrics = book.number("custom_metrics")
    ingested = t.requests * book.number("log_bytes_per_request") / GB
    kept_months = config.log_retention_days / (book.number("hours_per_month") / 24)
    usd = (
        metrics * book.price("cloudwatch_custom_metric_month")
        + ingested * book.price("cloudwatch_log_ingestion_gb")
        + ingested * kept_months * book.price("cloudwatch_log_storage_gb_month")
    )
    basis = f"{metrics:.0f} metrics; {ingested:,.1f} GB logs kept {config.log_retention_days} days"
    return Line("CloudWatch", usd, basis)


def _data_processed(book: PriceBook, records: float) -> float:
    return records * book.number("request_bytes") / GB * book.price("sagemaker_data_processed_gb")


def _real_time_endpoint(config: Config, book: PriceBook, t: _Traffic) -> Line:
    kind, count = config.compute.endpoint_instance_type, config.compute.endpoint_instance_count
    instance_hours = 2 * count * book.number("hours_per_month")  # champion + challenger
    usd = instance_hours * book.price("sagemaker_hosting_hour", kind)
    usd += _data_processed(book, t.predictions * (1 + t.shadow_share))
    basis = f"2 variants × {count} × {kind}, {instance_hours:,.0f} instance-hours"
    return Line("Endpoint: real-time", usd, basis, REAL_TIME)


def _serverless_endpoint(book: PriceBook, t: _Traffic) -> Line:
    seconds = book.number("serverless_duration_ms") / 1000
    gb_seconds = t.predict_requests * seconds * SERVERLESS_MEMORY_MB / 1024
    usd = gb_seconds * book.price("sagemaker_serverless_gb_second")
    usd += _data_processed(book, t.predictions)
    basis = (
        f"champion only (no shadow, no capture): {t.predict_requests:,.0f} × "
        f"{seconds * 1000:.0f} ms × {SERVERLESS_MEMORY_MB} MB"
    )
    return Line("Endpoint: serverless", usd, basis, SERVERLESS)


def _pipeline(config: Config, book: PriceBook, runs: int) -> Line:
    compute = config.compute
    training = (
        book.number("training_minutes")
        / 60
        * compute.training_instance_count
        * book.price("sagemaker_training_hour", compute.training_instance_type)
    )
    evaluation = (
        book.number("evaluation_minutes")
        / 60
        * book.price("sagemaker_processing_hour", compute.processing_instance_type)
    )
    transitions = book.number("state_transitions_per_run")
    per_run = training + evaluation + transitions * book.price("step_functions_transition")
    basis = (
        f"{runs} runs: {transitions:.0f} transitions, {book.number('training_minutes'):.0f} min "
        f"on {compute.training_instance_type}, {book.number('evaluation_minutes'):.0f} min "
        f"on {compute.processing_instance_type}"
    )
    return Line("Pipeline runs", runs * per_run, basis)


def _model_monitor(book: PriceBook) -> Line:
    kind = str(book.assume("monitor_instance_type"))
    schedules, minutes = book.number("monitor_schedules"), book.number("monitor_job_minutes")
    jobs = schedules * book.number("hours_per_month")
    usd = jobs * minutes / 60 * book.price("sagemaker_processing_hour", kind)
    basis = f"instead of the checks: {jobs:,.0f} hourly jobs × {minutes:.0f} min on {kind}"
    return Line("Model Monitor (managed)", usd, basis, MANAGED)


def notes(config: Config, book: PriceBook) -> list[str]:
    """The assumptions behind every figure, as lines to print beneath the table."""
    out = [
        f"{book.region} list prices checked {book.checked}, without free tiers; "
        f"config {config.prefix} ({'serverless' if config.compute.serverless else 'real-time'} "
        "endpoint deployed)",
        "a serverless endpoint holds no shadow and captures nothing; Model Monitor is the "
        "managed alternative to the scheduled checks (real-time + Model Monitor drops them)",
    ]
    for name, entry in book.assumptions.items():
        out.append(f"{name} = {entry.get('value')}: {entry.get('why', '')}")
    return out
