"""The promotion check against moto: captures in S3, feedback on the inference items, the
deploy logic in-process."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
import numpy as np
import pytest
from moto import mock_aws
from moto.cloudwatch.models import Statistics

from lambdas.deploy.events import handle_event
from lambdas.promotion_check.check import (
    Clients,
    DeployFailed,
    check_promotion,
    lambda_invoker,
)
from lambdas.promotion_check.settings import PromotionSettings
from lambdas.shared import capture
from lambdas.shared.contracts import feedback
from lambdas.shared.settings import ModelSpec
from tests import inference_table
from tests.integration.serving.test_deploy_endpoint import (  # noqa: F401 (fixtures)
    OPTIONS,
    approval,
    context,
    moto_gaps,
    register,
    served,
)

ENDPOINT = OPTIONS.endpoint_name
SPEC = ModelSpec.from_dict(
    {
        "dataset": "delivery-eta",
        "target": "delivery_minutes",
        "task": "regression",
        "metric": "rmse",
        "direction": "minimize",
        "features": [{"name": "distance_km", "type": "numeric"}],
    }
)
SETTINGS = PromotionSettings(
    endpoint_name=ENDPOINT,
    capture_bucket="captures",
    inference_table="inferences",
    artifact_bucket="artifacts",
    model_spec=SPEC,
    margin=0.02,
    min_labelled=20,
    deploy_function_name="shadowloop-dev-deploy",
)


@dataclass
class Served:
    clients: Clients
    deploy_ctx: object
    champion: str
    challenger: str | None


@pytest.fixture
def aws(moto_gaps):  # noqa: F811 (the imported fixture)
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in ("captures", "artifacts"):
            s3.create_bucket(Bucket=bucket)
        sagemaker.create_model_package_group(ModelPackageGroupName=OPTIONS.model_package_group)
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        inference_table.create(dynamodb, SETTINGS.inference_table)
        yield Clients(sagemaker, s3, boto3.client("cloudwatch", region_name="us-east-1"), dynamodb)


@pytest.fixture
def shadowed(aws):
    """A champion with a challenger in shadow, deployed by the deploy logic."""
    ctx = context(aws.sagemaker)
    champion, challenger = register(aws.sagemaker), register(aws.sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": champion})
    handle_event(ctx, {"action": "deploy", "model_package_arn": challenger})
    # As Register leaves a candidate with `approval: auto`.
    aws.sagemaker.update_model_package(ModelPackageArn=challenger, ModelApprovalStatus="Approved")
    return Served(aws, ctx, champion, challenger)


def write_traffic(
    s3, *, records: int, labelled: int, champion_error: float, challenger_error: float
):
    """Captures of both variants (with gaps) and feedback for the first ``labelled`` ids."""
    now = datetime.now(UTC)
    hour = f"{now:%Y/%m/%d/%H}"
    truth = {f"id-{n:04d}": 20.0 + n % 30 for n in range(records)}
    for variant, error, ids in (
        ("champion", champion_error, list(truth)),
        # The challenger's sampling missed every tenth request.
        ("challenger", challenger_error, [i for n, i in enumerate(truth) if n % 10 != 9]),
    ):
        lines = [
            capture.encode_line(
                {"instances": [{"distance_km": 3.0}], "inference_ids": [i]},
                {"predictions": [truth[i] + error]},
                event_id=f"event-{i}",
                inference_id=i,
                inference_time=now,
            )
            for i in ids
        ]
        lines.append("not a capture line")
        s3.put_object(
            Bucket="captures",
            Key=f"capture/{ENDPOINT}/{variant}/{hour}/part-0.jsonl",
            Body="\n".join(lines).encode(),
        )
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for i in list(truth)[:labelled]:
        inference_table.label(
            dynamodb, SETTINGS.inference_table, i, truth[i], feedback.hour_key(now)
        )


def in_process(deploy_ctx):
    """The deploy function as the promotion check invokes it, run against moto."""
    return lambda payload: handle_event(deploy_ctx, payload)


def reports(s3) -> list[dict]:
    listed = s3.list_objects_v2(Bucket="artifacts", Prefix="monitoring/promotion/")
    return [
        json.loads(s3.get_object(Bucket="artifacts", Key=o["Key"])["Body"].read())
        for o in listed.get("Contents", [])
    ]


def later() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=1)


def test_better_challenger_is_promoted_and_approved(shadowed):
    # Given labelled traffic on which the challenger's error is a third of the champion's
    s3 = shadowed.clients.s3
    write_traffic(s3, records=30, labelled=28, champion_error=3.0, challenger_error=1.0)

    # When the promotion check runs
    report = check_promotion(
        shadowed.clients, SETTINGS, in_process(shadowed.deploy_ctx), now=later()
    )

    # Then the challenger's package serves as champion, Approved, and the report says why
    assert report["decision"] == "promote"
    assert served(shadowed.clients.sagemaker) == {"champion": shadowed.challenger}
    assert approval(shadowed.clients.sagemaker, shadowed.challenger) == "Approved"
    (stored,) = reports(s3)
    assert stored["decision"] == "promote"
    assert stored["champion"]["model_package_arn"] == shadowed.champion
    assert stored["champion"]["metric"] == pytest.approx(3.0)
    assert stored["challenger"]["metric"] == pytest.approx(1.0)
    # Every tenth id was not captured by the challenger, so 26 of 28 labels pair up.
    assert stored["labelled"] == 26
    # Predictions 2 minutes apart on 20-50 minute deliveries agree (within 10 %).
    assert stored["agreement"] == pytest.approx(1.0)
    assert stored["evidence"]["records_skipped"] == 2
    assert stored["evidence"]["deployment"]["champion"] == shadowed.challenger


def test_worse_challenger_is_retired_and_rejected(shadowed):
    write_traffic(
        shadowed.clients.s3, records=30, labelled=28, champion_error=1.0, challenger_error=2.0
    )

    report = check_promotion(
        shadowed.clients, SETTINGS, in_process(shadowed.deploy_ctx), now=later()
    )

    assert report["decision"] == "retire"
    assert served(shadowed.clients.sagemaker) == {"champion": shadowed.champion}
    assert approval(shadowed.clients.sagemaker, shadowed.challenger) == "Rejected"


def test_a_better_challenger_pending_approval_waits_for_a_person(shadowed):
    # Given `approval: manual`: the challenger's package still awaits a person's approval
    sagemaker = shadowed.clients.sagemaker
    sagemaker.update_model_package(
        ModelPackageArn=shadowed.challenger, ModelApprovalStatus="PendingManualApproval"
    )
    write_traffic(
        shadowed.clients.s3, records=30, labelled=28, champion_error=3.0, challenger_error=1.0
    )

    # When the promotion check finds it better
    report = check_promotion(
        shadowed.clients, SETTINGS, in_process(shadowed.deploy_ctx), now=later()
    )

    # Then it waits, says so, and the champion keeps serving
    assert report["decision"] == "wait"
    assert report["reason"].startswith("awaiting approval of its package (PendingManualApproval)")
    assert served(sagemaker) == {"champion": shadowed.champion, "challenger": shadowed.challenger}
    assert approval(sagemaker, shadowed.challenger) == "PendingManualApproval"


def test_a_challenger_rejected_by_a_person_leaves_shadow(shadowed):
    # Given a person rejected the challenger's package, though it does better
    sagemaker = shadowed.clients.sagemaker
    sagemaker.update_model_package(
        ModelPackageArn=shadowed.challenger, ModelApprovalStatus="Rejected"
    )
    write_traffic(
        shadowed.clients.s3, records=30, labelled=28, champion_error=3.0, challenger_error=1.0
    )

    report = check_promotion(
        shadowed.clients, SETTINGS, in_process(shadowed.deploy_ctx), now=later()
    )

    assert report["decision"] == "retire"
    assert report["reason"].startswith("its package was rejected")
    assert served(sagemaker) == {"champion": shadowed.champion}


def test_too_few_labels_waits_without_changing_the_endpoint(shadowed):
    write_traffic(
        shadowed.clients.s3, records=12, labelled=12, champion_error=10.0, challenger_error=0.0
    )

    report = check_promotion(
        shadowed.clients, SETTINGS, in_process(shadowed.deploy_ctx), now=later()
    )

    # 12 labels, minus the ids the challenger's sampling missed
    assert (report["decision"], report["reason"]) == ("wait", "11 of 20 labelled records")
    assert report["champion"]["metric"] is None
    assert report["agreement"] == pytest.approx(0.0)
    assert served(shadowed.clients.sagemaker) == {
        "champion": shadowed.champion,
        "challenger": shadowed.challenger,
    }
    assert [r["decision"] for r in reports(shadowed.clients.s3)] == ["wait"]


def test_no_challenger_means_nothing_to_do(aws):
    ctx = context(aws.sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": register(aws.sagemaker)})

    report = check_promotion(aws, SETTINGS, in_process(ctx), now=later())

    assert report["decision"] == "none"
    assert reports(aws.s3) == []


@pytest.fixture
def moto_percentiles(monkeypatch):
    """moto computes no percentile statistics: give it p99 over the raw data points."""
    original = Statistics.get_statistics_for_type

    def with_percentiles(self, stat):
        if stat == "p99":
            return float(np.percentile(self.metric_single_values_list, 99))
        return original(self, stat)

    monkeypatch.setattr(Statistics, "get_statistics_for_type", with_percentiles)


def test_cloudwatch_error_rate_and_latency_reach_the_report(shadowed, moto_percentiles):
    # Given CloudWatch data in which the challenger fails more often than the champion
    cloudwatch = shadowed.clients.cloudwatch
    for variant, invocations, errors, latency_us in (
        ("champion", 100, 1, 20_000),
        ("challenger", 100, 5, 30_000),
    ):
        dimensions = [
            {"Name": "EndpointName", "Value": ENDPOINT},
            {"Name": "VariantName", "Value": variant},
        ]
        cloudwatch.put_metric_data(
            Namespace="AWS/SageMaker",
            MetricData=[
                {"MetricName": "Invocations", "Dimensions": dimensions, "Value": invocations},
                {"MetricName": "Invocation5XXErrors", "Dimensions": dimensions, "Value": errors},
                {"MetricName": "ModelLatency", "Dimensions": dimensions, "Value": latency_us},
            ],
        )
    write_traffic(
        shadowed.clients.s3, records=30, labelled=28, champion_error=3.0, challenger_error=1.0
    )

    # When the check runs
    report = check_promotion(
        shadowed.clients, SETTINGS, in_process(shadowed.deploy_ctx), now=later()
    )

    # Then the better metric is not enough: the challenger's error rate holds it back
    assert report["champion"]["error_rate"] == pytest.approx(0.01)
    assert report["challenger"]["error_rate"] == pytest.approx(0.05)
    assert report["champion"]["latency_p99"] == pytest.approx(20.0)
    assert report["challenger"]["latency_p99"] == pytest.approx(30.0)
    assert report["decision"] == "wait"
    assert "error rate" in report["reason"]
    assert served(shadowed.clients.sagemaker)["champion"] == shadowed.champion


class _FailingLambda:
    """A Lambda client whose function answers with an unhandled error."""

    def invoke(self, FunctionName, Payload):  # noqa: N803 (boto3's parameter names)
        body = {"errorType": "EndpointBusy", "errorMessage": "endpoint e is Updating"}
        return {"FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(body).encode())}


def test_a_deploy_function_error_is_raised_with_its_message():
    invoke = lambda_invoker(_FailingLambda(), "shadowloop-dev-deploy")

    with pytest.raises(DeployFailed, match="promote failed: EndpointBusy: endpoint e is Updating"):
        invoke({"action": "promote"})


def test_a_busy_endpoint_defers_the_promotion_and_still_reports(shadowed):
    # Given evidence for a promotion, but the endpoint starts changing before the check acts
    s3 = shadowed.clients.s3
    write_traffic(s3, records=30, labelled=28, champion_error=3.0, challenger_error=1.0)

    # When the check runs and the deploy function answers EndpointBusy
    report = check_promotion(
        shadowed.clients,
        SETTINGS,
        lambda_invoker(_FailingLambda(), "shadowloop-dev-deploy"),
        now=later(),
    )

    # Then nothing changed, the decision waits, and the report says why
    assert report["decision"] == "wait"
    assert "promote deferred, the endpoint is busy" in report["reason"]
    assert served(shadowed.clients.sagemaker)["champion"] == shadowed.champion
    assert [r["decision"] for r in reports(s3)] == ["wait"]


@dataclass
class FakeLambdaContext:
    function_name: str = "promotion-check"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:promotion-check"
    aws_request_id: str = "request-1"


def test_handler_publishes_the_comparison_metrics(shadowed, monkeypatch, capsys):
    from lambdas.promotion_check.handler import handler

    environment = {
        "ENDPOINT_NAME": ENDPOINT,
        "CAPTURE_BUCKET": "captures",
        "ARTIFACT_BUCKET": "artifacts",
        "INFERENCE_TABLE": "inferences",
        "MODEL_SPEC": json.dumps(
            {**SPEC.__dict__, "features": [{"name": "distance_km", "type": "numeric"}]}
        ),
        "PROMOTION_MARGIN": "0.02",
        "PROMOTION_MIN_LABELLED": "500",
        "PROMOTION_ALPHA": "0.05",
        "PROMOTION_LABEL_HORIZON_HOURS": "24",
        "DEPLOY_FUNCTION_NAME": "shadowloop-dev-deploy",
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    write_traffic(
        shadowed.clients.s3, records=30, labelled=28, champion_error=3.0, challenger_error=1.0
    )

    report = handler({"time": later().strftime("%Y-%m-%dT%H:%M:%SZ")}, FakeLambdaContext())

    assert report["decision"] == "wait"
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    (metrics,) = emitted
    assert metrics["LabelledRecords"] == [26.0]
    assert metrics["Agreement"] == [1.0]
    assert "ChampionMetric" not in metrics


def test_settings_are_read_when_called(monkeypatch):
    monkeypatch.delenv("PROMOTION_MARGIN", raising=False)
    from lambdas.shared.settings import SettingError

    with pytest.raises(SettingError, match="is not set"):
        PromotionSettings.from_environment()
