"""The quality check against moto: verdicts, reports, alerts, retraining and its guards."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
import numpy as np
import pytest
from moto import mock_aws

from lambdas.quality_check.handler import handler
from lambdas.shared import capture, endpoint_state
from lambdas.shared.contracts import feedback
from tests import inference_table
from tests.integration.races import Race

ENDPOINT = "shadowloop-dev"
TABLE = "inferences"
SPEC = {
    "dataset": "delivery-eta",
    "target": "delivery_minutes",
    "task": "regression",
    "metric": "rmse",
    "direction": "minimize",
    "segment": "city_zone",
    "features": [
        {"name": "distance_km", "type": "numeric"},
        {"name": "city_zone", "type": "categorical"},
    ],
}
HOLDOUT_RMSE = 3.7
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::123456789012:role/shadowloop"
ZONES = ("north", "south", "east")


@dataclass
class Context:
    function_name: str = "quality-check"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:quality-check"
    aws_request_id: str = "req-1"


@dataclass
class Aws:
    s3: object
    sagemaker: object
    sfn: object
    sqs: object
    queue_url: str
    state_machine_arn: str

    def executions(self):
        return self.sfn.list_executions(stateMachineArn=self.state_machine_arn)["executions"]

    def report(self, at):
        key = f"monitoring/quality/reports/{at:%Y-%m-%dT%H:%M:%SZ}.json"
        return json.loads(self.s3.get_object(Bucket="artifacts", Key=key)["Body"].read())

    def state(self):
        key = "monitoring/quality/state.json"
        return json.loads(self.s3.get_object(Bucket="artifacts", Key=key)["Body"].read())

    def alerts(self):
        messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [json.loads(json.loads(m["Body"])["Message"]) for m in messages.get("Messages", [])]


def _env(function_environment, monkeypatch, spec=SPEC, min_labels=50):
    """The quality check's variables from the synthesized template, resolved for moto."""
    monkeypatch.setenv("MODEL_SPEC", json.dumps(spec))
    function_environment(
        "quality_check",
        MODEL_SPEC_URI=None,
        CAPTURE_BUCKET="captures",
        INFERENCE_TABLE=TABLE,
        ARTIFACT_BUCKET="artifacts",
        ENDPOINT_NAME=ENDPOINT,
        # Kept when the aws fixture has set them; else set once the machine and topic exist.
        STATE_MACHINE_ARN=os.environ.get("STATE_MACHINE_ARN", "pending"),
        ALERTS_TOPIC_ARN=os.environ.get("ALERTS_TOPIC_ARN", "pending"),
        QUALITY_RULE=json.dumps({"alpha": 0.05, "tolerance": 0.1, "min_labels": min_labels}),
        QUALITY_LABEL_DELAY_MINUTES="60",
        QUALITY_COOLDOWN_MINUTES="360",
    )


@pytest.fixture
def aws(monkeypatch, function_environment, atomic_s3):
    _env(function_environment, monkeypatch)
    with mock_aws():
        s3, sagemaker, sfn = (
            boto3.client("s3"),
            boto3.client("sagemaker"),
            boto3.client("stepfunctions"),
        )
        for bucket in ("captures", "artifacts"):
            s3.create_bucket(Bucket=bucket)
        inference_table.create(boto3.client("dynamodb"), TABLE)
        sagemaker.create_model_package_group(ModelPackageGroupName="delivery-eta")
        serve(sagemaker, register(sagemaker, HOLDOUT_RMSE), "config-1")
        definition = {"StartAt": "Train", "States": {"Train": {"Type": "Pass", "End": True}}}
        machine = sfn.create_state_machine(
            name="pipeline", definition=json.dumps(definition), roleArn=ROLE
        )
        monkeypatch.setenv("STATE_MACHINE_ARN", machine["stateMachineArn"])
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
        monkeypatch.setenv("ALERTS_TOPIC_ARN", topic)
        yield Aws(s3, sagemaker, sfn, sqs, queue_url, machine["stateMachineArn"])


def register(sagemaker, rmse):
    """A model package carrying its holdout metric as the registry lineage does."""
    return sagemaker.create_model_package(
        ModelPackageGroupName="delivery-eta",
        CustomerMetadataProperties={"metric": "rmse", "metric_value": repr(rmse)},
        InferenceSpecification={
            "Containers": [
                {"Image": "sklearn:1.9-0", "ModelDataUrl": "s3://artifacts/model.tar.gz"}
            ],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]


def serve(sagemaker, package_arn, config_name):
    """Put ``package_arn`` in production under a new endpoint config."""
    model = f"model-{config_name}"
    sagemaker.create_model(
        ModelName=model, ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": package_arn}]
    )
    variant = {
        "VariantName": "champion",
        "ModelName": model,
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
    }
    sagemaker.create_endpoint_config(EndpointConfigName=config_name, ProductionVariants=[variant])
    # moto has no UpdateEndpoint; a fresh endpoint of the same name serves the same purpose.
    if sagemaker.list_endpoints()["Endpoints"]:
        sagemaker.delete_endpoint(EndpointName=ENDPOINT)
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=config_name)


def served(s3, n, *, at, error_sd, seed, slow_zone=None, labelled=True, extra_lines=()):
    """``n`` champion predictions at ``at`` and their outcomes; ``slow_zone`` runs 20 min late."""
    rng = np.random.default_rng(seed)
    zones = rng.choice(ZONES, n)
    predictions = rng.uniform(15, 60, n).round(2)
    late = np.where(zones == slow_zone, 20.0, 0.0) if slow_zone else 0.0
    actuals = (predictions + rng.normal(0.0, error_sd, n) + late).round(2)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    instances = [{"distance_km": 3.0, "city_zone": str(z)} for z in zones]
    line = capture.encode_line(
        {"instances": instances, "inference_ids": ids},
        {"predictions": predictions.tolist()},
        event_id=ids[0],
        inference_id=ids[0],
        inference_time=at,
    )
    hour = f"{at:%Y/%m/%d/%H}"
    body = "\n".join([*extra_lines, line]).encode()
    s3.put_object(
        Bucket="captures", Key=f"capture/{ENDPOINT}/champion/{hour}/{ids[0]}.jsonl", Body=body
    )
    if labelled:
        label_all(ids, [float(a) for a in actuals], at)
    return ids


def label_all(ids, actuals, at):
    """Feedback for each id, as POST /feedback leaves it on the item (prediction at ``at``)."""
    dynamodb = boto3.client("dynamodb")
    for inference_id, actual in zip(ids, actuals, strict=True):
        inference_table.label(dynamodb, TABLE, inference_id, actual, feedback.hour_key(at))


def check(at):
    return handler({"time": at.strftime("%Y-%m-%dT%H:%M:%SZ")}, Context())


def test_a_slower_zone_alarms_alerts_once_and_starts_one_quality_run(aws):
    # Given an hour of predictions whose deliveries run 20 minutes late in the east
    served(aws.s3, 300, at=START + timedelta(minutes=5), error_sd=3.7, seed=1, slow_zone="east")

    # When the check runs two hours later (the label delay has passed), then an hour after
    first = check(START + timedelta(hours=2))
    served(aws.s3, 150, at=START + timedelta(hours=1, minutes=5), error_sd=3.7, seed=2,
           slow_zone="east")  # fmt: skip
    second = check(START + timedelta(hours=3))

    # Then both windows are degraded, with the live RMSE and its interval above the threshold
    assert first["status"] == second["status"] == "degraded"
    low, high = first["interval"]
    assert first["reference"] == HOLDOUT_RMSE
    assert HOLDOUT_RMSE * 1.1 < low < first["estimate"] < high
    assert first["labels"] == 300
    # And one alert was published, naming the live metric and the run it started
    (alert,) = aws.alerts()
    assert alert["alert"] == "model_quality_degraded"
    assert alert["live"] == pytest.approx(first["estimate"])
    assert alert["retrain_execution_arn"] == first["retrain_execution_arn"]
    # And one run started, with trigger quality and the window's name; the cooldown held the rest
    (execution,) = aws.executions()
    assert execution["name"] == "quality-20261123T140000"
    described = aws.sfn.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {
        "dataset": "delivery-eta",
        "version_id": None,
        "trigger": "quality",
    }
    assert second["skipped_reason"] in ("cooldown", "pipeline_running")
    # And the report singles out the east zone (the first look reads a day back)
    report = aws.report(START + timedelta(hours=2))
    zones = report["groups"]["city_zone"]
    assert zones["east"]["status"] == "degraded"
    assert zones["north"]["estimate"] < zones["east"]["estimate"]
    assert report["window"] == {
        "start": "2026-11-22T14:00:00Z",
        "end": "2026-11-23T13:00:00Z",
        "checked_at": "2026-11-23T14:00:00Z",
    }


def test_fifty_stationary_hours_raise_no_alarm(aws, monkeypatch, function_environment):
    # Given 50 hours of ordinary traffic, the live error exactly the holdout's, and few labels
    # an hour (bench/quality_bench.py looks at 1,000 windows)
    _env(function_environment, monkeypatch, min_labels=20)
    statuses = []
    for hour in range(50):
        at = START + timedelta(hours=hour, minutes=10)
        served(aws.s3, 24, at=at, error_sd=HOLDOUT_RMSE, seed=100 + hour)
        # When the hourly check runs after each hour
        statuses.append(check(START + timedelta(hours=hour + 2))["status"])

    # Then every hour was judged ok: no alarm, no alert, no run
    assert statuses == ["ok"] * 50
    assert aws.alerts() == []
    assert aws.executions() == []
    assert aws.state()["looks"] == 50


def test_too_few_labels_decide_nothing_and_the_window_waits_for_more(aws):
    # Given 30 labelled predictions, plus 40 that never got an outcome
    served(aws.s3, 30, at=START + timedelta(minutes=5), error_sd=20.0, seed=3)
    served(aws.s3, 40, at=START + timedelta(minutes=6), error_sd=20.0, seed=4, labelled=False)

    # When the check runs
    first = check(START + timedelta(hours=2))

    # Then it is insufficient evidence, never an alarm, and the window does not advance
    assert first["status"] == "insufficient_evidence"
    assert first["labels"] == 30 and first["estimate"] is None
    assert aws.report(START + timedelta(hours=2))["evidence"]["unlabelled"] == 40
    assert aws.alerts() == [] and aws.executions() == []
    assert aws.state()["looks"] == 0

    # When 30 more arrive in the next hour, the next look judges all 60
    served(aws.s3, 30, at=START + timedelta(hours=1, minutes=5), error_sd=20.0, seed=5)
    second = check(START + timedelta(hours=3))
    assert (second["status"], second["labels"]) == ("degraded", 60)


def test_predictions_younger_than_the_label_delay_wait_for_the_next_look(aws):
    # Given bad predictions made 30 minutes before the check
    served(aws.s3, 100, at=START + timedelta(minutes=30), error_sd=20.0, seed=6)

    # When the check runs at the hour, they are not judged yet; an hour later they are
    assert check(START + timedelta(hours=1))["labels"] == 0
    assert check(START + timedelta(hours=2))["labels"] == 100


def test_unreadable_capture_lines_and_feedback_are_skipped_and_counted(aws):
    # Given good traffic, a malformed capture line and one feedback that is not a value
    at = START + timedelta(minutes=5)
    ids = served(aws.s3, 81, at=at, error_sd=3.7, seed=7, extra_lines=["{bad"])
    boto3.client("dynamodb").update_item(
        TableName=TABLE,
        Key={"inference_id": {"S": ids[0]}},
        UpdateExpression="SET #a = :a",
        ExpressionAttributeNames={"#a": feedback.ACTUAL},
        ExpressionAttributeValues={":a": {"BOOL": True}},
    )

    # When the check runs
    result = check(START + timedelta(hours=2))

    # Then the good records were judged and the bad ones counted
    evidence = aws.report(START + timedelta(hours=2))["evidence"]
    assert result["status"] == "ok" and result["labels"] == 80
    assert evidence["records_skipped"] == 2


def test_a_new_champion_is_judged_afresh_on_its_own_predictions(aws):
    # Given a degraded champion that was judged, then replaced
    served(aws.s3, 100, at=START + timedelta(minutes=5), error_sd=20.0, seed=8)
    assert check(START + timedelta(hours=2))["status"] == "degraded"
    new = register(aws.sagemaker, 3.5)
    serve(aws.sagemaker, new, "config-2")

    # When the first check after the change runs, then one after the new champion served
    first = check(START + timedelta(hours=3))
    served(aws.s3, 100, at=START + timedelta(hours=3, minutes=5), error_sd=3.5, seed=9)
    second = check(START + timedelta(hours=5))

    # Then the new champion's looks restart and only its own predictions count
    assert (first["status"], first["labels"]) == ("insufficient_evidence", 0)
    assert (second["status"], second["labels"], second["reference"]) == ("ok", 100, 3.5)
    state = aws.state()
    assert state["champion_model_package_arn"] == new and state["looks"] == 1


def test_a_fairness_group_in_the_spec_is_reported_per_value(aws, monkeypatch, function_environment):
    # Given a spec naming a fairness group column
    spec = {**SPEC, "segment": None, "fairness": {"group": "city_zone"}}
    _env(function_environment, monkeypatch, spec)
    served(aws.s3, 120, at=START + timedelta(minutes=5), error_sd=3.7, seed=10)

    # When the check runs
    check(START + timedelta(hours=2))

    # Then the report has a verdict per captured value of that column
    groups = aws.report(START + timedelta(hours=2))["groups"]
    assert set(groups) == {"city_zone"}
    assert set(groups["city_zone"]) <= set(ZONES)
    assert sum(v["labels"] for v in groups["city_zone"].values()) == 120


def test_a_degraded_champion_with_a_challenger_in_shadow_starts_no_run(aws, monkeypatch):
    # Given moto keeping shadow variants (it drops them) and a challenger in shadow
    from moto.sagemaker.responses import SageMakerResponse

    original = SageMakerResponse.create_endpoint_config

    def create_endpoint_config(self):
        result = original(self)
        config = self.sagemaker_backend.endpoint_configs[self._get_param("EndpointConfigName")]
        config.shadow_production_variants = self._get_param("ShadowProductionVariants")
        return result

    monkeypatch.setattr(SageMakerResponse, "create_endpoint_config", create_endpoint_config)
    champion = register(aws.sagemaker, HOLDOUT_RMSE)
    challenger = register(aws.sagemaker, 3.0)
    for name, package in (("champion-2", champion), ("challenger-2", challenger)):
        aws.sagemaker.create_model(
            ModelName=name, ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": package}]
        )
    variants = {
        role: [
            {
                "VariantName": role,
                "ModelName": f"{role}-2",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ]
        for role in ("champion", "challenger")
    }
    aws.sagemaker.create_endpoint_config(
        EndpointConfigName="config-shadow",
        ProductionVariants=variants["champion"],
        ShadowProductionVariants=variants["challenger"],
    )
    aws.sagemaker.delete_endpoint(EndpointName=ENDPOINT)
    aws.sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="config-shadow")
    served(aws.s3, 120, at=START + timedelta(minutes=5), error_sd=20.0, seed=11)

    # When the check finds the champion degraded
    result = check(START + timedelta(hours=2))

    # Then it alerts but leaves retraining to the challenger already on its way
    assert result["status"] == "degraded"
    assert result["skipped_reason"] == "challenger_in_shadow"
    assert aws.executions() == []
    assert len(aws.alerts()) == 1


LOAN_SPEC = {
    "dataset": "delivery-eta",
    "target": "approved",
    "task": "classification",
    "metric": "accuracy",
    "direction": "maximize",
    "features": [{"name": "income", "type": "numeric"}],
    "fairness": {"group": "applicant_group", "favourable_label": 1},
}


def decided_loans(s3, n, *, at, seed, b_approval):
    """``n`` approvals with outcomes; the model approves group B at ``b_approval`` of A's rate."""
    rng = np.random.default_rng(seed)
    groups = rng.choice(["A", "B"], n, p=[0.6, 0.4])
    actuals = rng.integers(0, 2, n)
    predictions = np.where((groups == "B") & (rng.random(n) > b_approval), 0, actuals)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    instances = [{"income": 40.0, "applicant_group": str(g)} for g in groups]
    line = capture.encode_line(
        {"instances": instances, "inference_ids": ids},
        {"predictions": predictions.tolist()},
        event_id=ids[0],
        inference_id=ids[0],
        inference_time=at,
    )
    hour = f"{at:%Y/%m/%d/%H}"
    s3.put_object(
        Bucket="captures", Key=f"capture/{ENDPOINT}/champion/{hour}/{ids[0]}.jsonl", Body=line
    )
    label_all(ids, [int(a) for a in actuals], at)


def emf(text):
    """The CloudWatch EMF blobs the handler printed."""
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def _one(value):
    return value[0] if isinstance(value, list) else value


def test_live_fairness_is_reported_per_group_and_alerts_after_two_breached_windows(
    aws, monkeypatch, capsys, function_environment
):
    # Given a loan classifier serving, whose holdout accuracy is registered
    _env(function_environment, monkeypatch, LOAN_SPEC)
    package = aws.sagemaker.create_model_package(
        ModelPackageGroupName="delivery-eta",
        CustomerMetadataProperties={"metric": "accuracy", "metric_value": "0.8"},
        InferenceSpecification={
            "Containers": [{"Image": "sklearn:1.9-0", "ModelDataUrl": "s3://a/model.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    serve(aws.sagemaker, package, "config-loans")

    # When two hours of live decisions approve group B at a third of the rate they should
    statuses = []
    for hour in range(2):
        at = START + timedelta(hours=hour, minutes=5)
        decided_loans(aws.s3, 200, at=at, seed=20 + hour, b_approval=0.3)
        check(START + timedelta(hours=hour + 2))
        statuses.append(aws.report(START + timedelta(hours=hour + 2))["fairness"])

    # Then each report carries the per-group figures with their sizes
    first, second = statuses
    assert set(first["groups"]) == {"A", "B"}
    assert sum(g["size"] for g in first["groups"].values()) == 200
    assert {"selection_rate", "tpr", "fpr", "metric"} <= set(first["groups"]["B"])
    assert first["figures"]["disparate_impact"]["group"] == "B"
    assert first["figures"]["disparate_impact"]["value"] < 0.8
    # And the first breach is reported, the second consecutive one alarms, once
    assert (first["status"], first["breach_streak"], first["alert_sent"]) == ("breach", 1, False)
    assert (second["status"], second["breach_streak"], second["alert_sent"]) == ("breach", 2, True)
    (alert,) = [a for a in aws.alerts() if a["alert"] == "fairness_breached"]
    assert alert["group"] == "applicant_group"
    assert any("for applicant_group=B below 0.8" in p for p in alert["problems"])
    assert aws.state()["fairness_breach_streak"] == 2
    # And CloudWatch got the figures per group and the alarm rule's verdict per look
    blobs = emf(capsys.readouterr().out)
    rates = [b for b in blobs if "FairnessSelectionRate" in b and b.get("Value") == "B"]
    assert [_one(b["FairnessSelectionRate"]) for b in rates] == pytest.approx(
        [first["groups"]["B"]["selection_rate"], second["groups"]["B"]["selection_rate"]]
    )
    assert [_one(b["FairnessAlarm"]) for b in blobs if "FairnessAlarm" in b] == [0, 1]


def test_racing_quality_checks_alert_once_start_one_run_and_keep_the_cooldown(aws, caplog):
    # Given a degraded hour, and ten checks of one event that all read before any writes
    served(aws.s3, 300, at=START + timedelta(minutes=5), error_sd=3.7, seed=40, slow_zone="east")
    champion = endpoint_state.describe(aws.sagemaker, ENDPOINT).champion.model_package_arn
    at = START + timedelta(hours=2)
    race = Race(10)

    # When they run at once
    results = race.run(lambda: check(at), 10)

    # Then one run started and every racer names it; one report and one alert say so
    (execution,) = aws.executions()
    assert {r["retrain_execution_arn"] for r in results} == {execution["executionArn"]}
    assert sorted(r["outcome"] for r in results) == ["checked"] + ["duplicate"] * 9
    assert race.lost.count("PreconditionFailed") >= 9
    report = aws.report(at)
    assert report["status"] == "degraded" and report["alert_sent"] is True
    assert report["retrain_execution_arn"] == execution["executionArn"]
    (alert,) = aws.alerts()
    assert alert["retrain_execution_arn"] == execution["executionArn"]
    # And the state counts one look and keeps the cooldown; the champion still serves
    state = aws.state()
    assert state["looks"] == 1 and state["last_status"] == "degraded"
    assert state["last_retrain_started_at"] == "2026-11-23T14:00:00Z"
    assert state["judged_until"] == "2026-11-23T13:00:00Z"
    assert endpoint_state.describe(aws.sagemaker, ENDPOINT).champion.model_package_arn == champion
    assert caplog.messages.count("quality check: event already checked") == 9


def test_a_repeated_quality_event_changes_nothing(aws, capsys):
    # Given a judged hour
    served(aws.s3, 300, at=START + timedelta(minutes=5), error_sd=3.7, seed=41)
    at = START + timedelta(hours=2)
    first = check(at)
    key = f"monitoring/quality/reports/{at:%Y-%m-%dT%H:%M:%SZ}.json"
    report = aws.s3.get_object(Bucket="artifacts", Key=key)["Body"].read()
    state = aws.state()
    capsys.readouterr()

    # When the same event is delivered again, after degraded traffic arrived
    served(aws.s3, 300, at=START + timedelta(minutes=20), error_sd=3.7, seed=42, slow_zone="east")
    again = check(at)

    # Then it is a duplicate: no new verdict, alert or run, the stored report and state kept
    assert first["outcome"] == "checked" and again["outcome"] == "duplicate"
    assert again["status"] == first["status"] == "ok"
    assert aws.s3.get_object(Bucket="artifacts", Key=key)["Body"].read() == report
    assert aws.state() == state
    assert aws.alerts() == [] and aws.executions() == []
    blobs = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"_aws"' in x]
    assert [b["DuplicateChecks"] for b in blobs if "DuplicateChecks" in b] == [[1.0]]


def test_outputs_a_float_cannot_hold_are_skipped_or_unscorable_never_fatal(aws):
    # Given 80 labelled predictions, three of them captured again (a retry) with an
    # output that is a 400-digit integer, a nested list and NaN
    at = START + timedelta(minutes=5)
    ids = served(aws.s3, 80, at=at, error_sd=3.7, seed=10)
    retried = [
        capture.encode_line(
            {"instances": [{"distance_km": 3.0, "city_zone": "north"}], "inference_ids": [i]},
            {"predictions": [output]},
            event_id=i,
            inference_id=i,
            inference_time=at,
        )
        for i, output in zip(ids, [int("9" * 400), [[[1.0]]], float("nan")], strict=False)
    ]
    key = f"capture/{ENDPOINT}/champion/{at:%Y/%m/%d/%H}/~retried.jsonl"
    aws.s3.put_object(Bucket="captures", Key=key, Body="\n".join(retried).encode())

    # When the check runs
    result = check(START + timedelta(hours=2))

    # Then the huge number is counted as skipped (the first capture of its id counts),
    # the nested and NaN outputs are unscorable, and the rest is judged
    evidence = aws.report(START + timedelta(hours=2))["evidence"]
    assert result["status"] == "ok" and result["labels"] == 78
    assert (evidence["records_skipped"], evidence["unscorable"]) == (1, 2)
    assert "float64" in evidence["skipped_reasons"][0]
