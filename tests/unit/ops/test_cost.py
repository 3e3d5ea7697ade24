"""The cost model's arithmetic on a tiny price book whose figures are checked by hand."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from infra.config import load_from_cdk_json
from shadowloop.ops import cost

GIB = 1024**3
PRICES = {
    "api_gateway_request": 0.002,
    "lambda_request": 0.0001,
    "lambda_gb_second_arm": 0.01,
    "dynamodb_write_request": 0.001,
    "dynamodb_read_request": 0.0001,
    "dynamodb_storage_gb_month": 0.25,
    "s3_put_request": 0.01,
    "s3_storage_gb_month": 0.023,
    "cloudwatch_custom_metric_month": 0.5,
    "cloudwatch_log_ingestion_gb": 0.5,
    "cloudwatch_log_storage_gb_month": 0.03,
    "step_functions_transition": 0.01,
    "sagemaker_hosting_hour": {"ml.m5.large": 0.1},
    "sagemaker_training_hour": {"ml.m5.large": 0.6},
    "sagemaker_processing_hour": {"ml.m5.large": 0.3, "ml.m5.xlarge": 0.2},
    "sagemaker_serverless_gb_second": 0.001,
    "sagemaker_data_processed_gb": 0.016,
}
ASSUMPTIONS = {
    "hours_per_month": 720,
    "records_per_request": 1,
    "feedback_fraction": 0.5,
    "api_duration_ms": 100,
    "api_memory_mb": 512,
    "check_memory_mb": 1024,
    "check_duration_seconds": 10,
    "audit_item_bytes": 1024,
    "request_bytes": 1024,
    "capture_record_bytes": 1024,
    "capture_records_per_object": 10,
    "feedback_index_bytes": 512,
    "log_bytes_per_request": 2048,
    "custom_metrics": 4,
    "serverless_duration_ms": 500,
    "training_minutes": 30,
    "evaluation_minutes": 20,
    "state_transitions_per_run": 10,
    "monitor_schedules": 2,
    "monitor_instance_type": "ml.m5.xlarge",
    "monitor_job_minutes": 6,
}


def book(**assumptions) -> cost.PriceBook:
    return cost.PriceBook(
        region="us-east-1",
        checked="2026-12",
        prices={name: {"usd": usd, "source": "test"} for name, usd in PRICES.items()},
        assumptions={
            name: {"value": value, "why": "test"}
            for name, value in (ASSUMPTIONS | assumptions).items()
        },
    )


@pytest.fixture
def config():
    """The dev config with daily checks, 30 days of audit and logs, half shadow and capture."""
    base = load_from_cdk_json(environment="dev")
    return replace(
        base,
        drift=replace(base.drift, schedule="rate(1 day)"),
        quality=replace(base.quality, schedule="rate(1 day)"),
        promotion=replace(base.promotion, schedule="rate(12 hours)"),
        serving=replace(
            base.serving,
            shadow_sampling_percent=50,
            capture_sampling_percent=50,
            audit_retention_days=30,
        ),
        compute=replace(base.compute, endpoint_instance_count=2),
        log_retention_days=60,
    )


def lines(estimate: cost.Estimate) -> dict[str, float]:
    return {line.service: line.usd for line in estimate.lines}


def test_every_line_of_a_thousand_predictions(config):
    # Given 1000 predictions, 500 feedbacks (1500 requests) and 2 runs a month
    usd = lines(cost.estimate(config, book(), 1000, runs_per_month=2))

    # Then each service is priced as worked out by hand
    assert usd["API Gateway"] == pytest.approx(1500 * 0.002)  # 3.00
    # 1500 requests × 0.1 s × 0.5 GB
    assert usd["Lambda: API"] == pytest.approx(1500 * 0.0001 + 75 * 0.01)  # 0.90
    # 30 + 30 + 60 runs × 10 s × 1 GB
    assert usd["Lambda: scheduled checks"] == pytest.approx(120 * 0.0001 + 1200 * 0.01)
    # 1000 one-unit writes, 500 reads, 1000 items × 1 KiB kept one month
    dynamodb = 1000 * 0.001 + 500 * 0.0001 + 1000 * 1024 / GIB * 0.25
    assert usd["DynamoDB: inferences"] == pytest.approx(dynamodb)
    # 500 captured champion lines + 250 challenger lines, 10 to an object
    assert usd["S3: data capture"] == pytest.approx(75 * 0.01 + 750 * 1024 / GIB * 0.023)
    # 500 answers × (one item update + one index write), the index kept as long as the items
    kept = 500 * config.serving.audit_retention_days / 30 * 512 / GIB
    assert usd["DynamoDB: feedback"] == pytest.approx(500 * 2 * 0.001 + kept * 0.25)
    # 1500 × 2 KiB ingested, kept 60 days: two months of storage
    logs = 1500 * 2048 / GIB
    assert usd["CloudWatch"] == pytest.approx(4 * 0.5 + logs * 0.5 + logs * 2 * 0.03)
    # champion + challenger × 2 instances × 720 h; 1500 records through the endpoint
    real_time = 2 * 2 * 720 * 0.1 + 1500 * 1024 / GIB * 0.016
    assert usd["Endpoint: real-time"] == pytest.approx(real_time)
    # champion only: 1000 × 0.5 s × 2 GB (the deploy function's serverless memory)
    serverless = 1000 * 0.5 * 2 * 0.001 + 1000 * 1024 / GIB * 0.016
    assert usd["Endpoint: serverless"] == pytest.approx(serverless)
    # 2 runs × (0.5 h training at 0.6 + 1/3 h evaluation at 0.3 + 10 transitions)
    assert usd["Pipeline runs"] == pytest.approx(2 * (0.3 + 0.1 + 0.1))
    # 2 schedules × 720 hourly jobs × 0.1 h on ml.m5.xlarge
    assert usd["Model Monitor (managed)"] == pytest.approx(1440 * 0.1 * 0.2)


def test_totals_add_the_lines_each_endpoint_kind_pays_for(config):
    estimate = cost.estimate(config, book(), 1000, runs_per_month=2)
    usd = lines(estimate)
    shared = sum(
        usd[name]
        for name in (
            "API Gateway",
            "Lambda: API",
            "Lambda: scheduled checks",
            "DynamoDB: inferences",
            "DynamoDB: feedback",
            "CloudWatch",
            "Pipeline runs",
        )
    )

    totals = estimate.totals()

    assert totals["real-time"] == pytest.approx(
        shared + usd["S3: data capture"] + usd["Endpoint: real-time"]
    )
    assert totals["serverless"] == pytest.approx(shared + usd["Endpoint: serverless"])
    # Model Monitor replaces the scheduled checks
    assert totals["real-time + Model Monitor"] == pytest.approx(
        totals["real-time"] - usd["Lambda: scheduled checks"] + usd["Model Monitor (managed)"]
    )


def test_batched_requests_cut_the_per_request_lines(config):
    one = lines(cost.estimate(config, book(feedback_fraction=0), 1000, runs_per_month=0))
    ten = lines(
        cost.estimate(
            config, book(feedback_fraction=0, records_per_request=10), 1000, runs_per_month=0
        )
    )

    assert ten["API Gateway"] == pytest.approx(one["API Gateway"] / 10)
    assert ten["Endpoint: serverless"] < one["Endpoint: serverless"]
    # Every record is still written to the inference table
    assert ten["DynamoDB: inferences"] == pytest.approx(one["DynamoDB: inferences"])


def test_schedules_are_read_as_eventbridge_rates():
    assert cost.invocations_per_month("rate(1 hour)", 730) == 730
    assert cost.invocations_per_month("rate(15 minutes)", 730) == 730 * 4
    assert cost.invocations_per_month("rate(2 days)", 720) == 15


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("cron(0 3 ? * MON *)", "only rate(...) schedules can be estimated"),
        ("rate(0 hours)", "a rate of zero never fires"),
    ],
)
def test_a_schedule_that_cannot_be_counted_is_named(config, schedule, message):
    config = replace(config, drift=replace(config.drift, schedule=schedule))

    with pytest.raises(
        cost.PriceError, match=re.escape(f"drift.schedule: '{schedule}': {message}")
    ):
        cost.estimate(config, book(), 1000, runs_per_month=1)


def test_negative_volume_is_refused(config):
    with pytest.raises(cost.PriceError, match="predictions: -5 must not be negative"):
        cost.estimate(config, book(), -5, runs_per_month=1)


def test_a_missing_price_is_named(config):
    prices = {k: v for k, v in book().prices.items() if k != "api_gateway_request"}

    with pytest.raises(cost.PriceError, match=r"prices\.api_gateway_request: missing price"):
        cost.estimate(config, replace(book(), prices=prices), 1000, runs_per_month=1)


def test_an_instance_type_without_a_price_is_named(config):
    config = replace(config, compute=replace(config.compute, endpoint_instance_type="ml.c5.large"))

    with pytest.raises(cost.PriceError, match="sagemaker_hosting_hour: no price for ml.c5.large"):
        cost.estimate(config, book(), 1000, runs_per_month=1)


def test_the_shipped_price_book_prices_the_shipped_config():
    shipped = cost.load_prices()
    document = json.loads(cost.PRICES_FILE.read_text())

    estimate = cost.estimate(load_from_cdk_json(), shipped, 1_000_000, runs_per_month=4)

    assert shipped.region == "us-east-1" and shipped.checked == "2026-12"
    assert all(
        entry["source"].startswith("https://aws.amazon.com/")
        for entry in document["prices"].values()
    )
    assert all(line.usd > 0 for line in estimate.lines)


def test_the_assumed_lambda_memory_is_what_infra_deploys():
    import inspect

    from infra.constructs.function import Function
    from infra.constructs.functions.monitoring import CHECK

    shipped = cost.load_prices()

    api_default = inspect.signature(Function.__init__).parameters["memory_size"].default
    assert shipped.number("api_memory_mb") == api_default
    assert shipped.number("check_memory_mb") == CHECK["memory_size"]
