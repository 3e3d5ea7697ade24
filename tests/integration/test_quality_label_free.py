"""The label-free estimate inside the quality check, against moto."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import boto3
import numpy as np
import pytest
from moto import mock_aws

from lambdas.shared import capture
from tests import inference_table
from tests.integration.test_quality_check import (
    ENDPOINT,
    ROLE,
    START,
    TABLE,
    Aws,
    _env,
    check,
    label_all,
    serve,
)

SPEC = {
    "dataset": "hospital-readmission",
    "target": "readmitted",
    "task": "classification",
    "metric": "accuracy",
    "direction": "maximize",
    "segment": "ward",
    "features": [
        {"name": "age", "type": "numeric"},
        {"name": "ward", "type": "categorical"},
    ],
}
CALIBRATION_KEY = "runs/run-1/evaluation/calibration.json"
# A calibration that shrinks the raw positive probability halfway towards 0.5.
CALIBRATION = {
    "method": "isotonic",
    "classes": [0, 1],
    "rows": 1000,
    "maps": [{"class": 1, "x": [0.0, 1.0], "y": [0.25, 0.75]}],
}


@pytest.fixture
def aws(monkeypatch, function_environment):
    _env(function_environment, monkeypatch, spec=SPEC, min_labels=50)
    with mock_aws():
        s3, sagemaker, sfn = (
            boto3.client("s3"),
            boto3.client("sagemaker"),
            boto3.client("stepfunctions"),
        )
        for bucket in ("captures", "artifacts"):
            s3.create_bucket(Bucket=bucket)
        inference_table.create(boto3.client("dynamodb"), TABLE)
        s3.put_object(Bucket="artifacts", Key=CALIBRATION_KEY, Body=json.dumps(CALIBRATION))
        sagemaker.create_model_package_group(ModelPackageGroupName=SPEC["dataset"])
        package = sagemaker.create_model_package(
            ModelPackageGroupName=SPEC["dataset"],
            CustomerMetadataProperties={
                "metric": "accuracy",
                "metric_value": "0.75",
                "calibration_uri": f"s3://artifacts/{CALIBRATION_KEY}",
            },
            InferenceSpecification={
                "Containers": [
                    {"Image": "sklearn:1.9-0", "ModelDataUrl": "s3://artifacts/model.tar.gz"}
                ],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
        )["ModelPackageArn"]
        serve(sagemaker, package, "config-1")
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


def scored(s3, n, *, at, seed, right_share=None, labelled=True):
    """``n`` captured classifications; the outcomes agree with the calibration unless
    ``right_share`` says how often the prediction is right instead (the relationship moved).
    """
    rng = np.random.default_rng(seed)
    positive = rng.uniform(0.0, 1.0, n).round(6)
    predicted = (positive >= 0.5).astype(int)
    calibrated_right = np.where(predicted == 1, 0.25 + 0.5 * positive, 0.75 - 0.5 * positive)
    chance = calibrated_right if right_share is None else np.full(n, right_share)
    actual = np.where(rng.random(n) < chance, predicted, 1 - predicted)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    line = capture.encode_line(
        {"instances": [{"age": 70, "ward": "orthopedics"}] * n, "inference_ids": ids},
        {
            "predictions": predicted.tolist(),
            "classes": [0, 1],
            "probabilities": [[round(1 - p, 6), p] for p in positive.tolist()],
        },
        event_id=ids[0],
        inference_id=ids[0],
        inference_time=at,
    )
    hour = f"{at:%Y/%m/%d/%H}"
    key = f"capture/{ENDPOINT}/champion/{hour}/{ids[0]}.jsonl"
    s3.put_object(Bucket="captures", Key=key, Body=line.encode())
    if labelled:
        label_all(ids, actual.tolist(), at)
    return float(calibrated_right.mean())


def emitted(capsys):
    """The metric values the handler printed as EMF lines, by name."""
    values = {}
    for line in capsys.readouterr().out.splitlines():
        try:
            blob = json.loads(line)
        except ValueError:
            continue
        for directive in blob.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                values[metric["Name"]] = value[-1] if isinstance(value, list) else value
    return values


def test_every_window_has_an_estimate_before_any_label_arrives(aws, capsys):
    # Given 200 classifications whose outcomes are not known yet
    expected = scored(aws.s3, 200, at=START + timedelta(minutes=5), seed=1, labelled=False)

    # When the check runs within the hour (the label delay has not passed either)
    result = check(START + timedelta(hours=1))

    # Then the quality verdict waits, but the report estimates accuracy from the calibration
    assert result["status"] == "insufficient_evidence"
    free = aws.report(START + timedelta(hours=1))["label_free"]
    assert free["calibration_uri"] == f"s3://artifacts/{CALIBRATION_KEY}"
    estimate = free["estimate"]
    assert estimate["rows"] == 200 and estimate["calibrated"] is True
    assert estimate["accuracy"] == pytest.approx(expected, abs=1e-6)
    low, high = estimate["accuracy_band"]
    assert low < estimate["accuracy"] < high
    assert {"precision", "recall", "f1"} <= set(estimate)
    assert free["comparison"] is None and free["relationship_changed"] is False
    # And the estimate and its band are CloudWatch metrics
    metrics = emitted(capsys)
    assert metrics["EstimatedAccuracy"] == pytest.approx(estimate["accuracy"])
    assert [metrics["EstimatedAccuracyLower"], metrics["EstimatedAccuracyUpper"]] == [low, high]
    # And the next window starts where this estimate ended
    assert aws.state()["estimated_until"] == "2026-11-23T13:00:00Z"


def test_concept_drift_is_flagged_then_called_a_changed_relationship_and_alerted_once(aws, capsys):
    # Given three hours in which predictions are right only half the time, whatever they expect
    for hour in range(3):
        scored(aws.s3, 300, at=START + timedelta(hours=hour, minutes=5), seed=10 + hour,
               right_share=0.5)  # fmt: skip

    # When the hourly check judges each hour once its labels are due
    checks = [check(START + timedelta(hours=hour + 2)) for hour in range(2)]
    capsys.readouterr()
    checks.append(check(START + timedelta(hours=4)))
    metrics = emitted(capsys)
    reports = [aws.report(START + timedelta(hours=hour + 2)) for hour in range(3)]

    # Then each comparison sets the estimate beside the realized accuracy and flags the gap
    comparisons = [r["label_free"]["comparison"] for r in reports]
    assert all(c["flagged"] for c in comparisons)
    assert all(c["estimated"] - c["realized"] > c["threshold"] for c in comparisons)
    assert [c["relationship_changed"] for c in comparisons] == [False, True, True]
    assert [c["flagged_streak"] for c in comparisons] == [1, 2, 3]
    assert aws.state()["flagged_streak"] == 3
    # And one relationship alert went out, beside the quality alert of the realized rule
    alerts = aws.alerts()
    changed = [a for a in alerts if a["alert"] == "relationship_changed"]
    assert len(changed) == 1
    assert changed[0]["realized"] == pytest.approx(comparisons[1]["realized"])
    assert [r["relationship_alert_sent"] for r in reports] == [False, True, False]
    assert checks[0]["status"] == "degraded"
    # And the last window's gap and lasting change are CloudWatch metrics
    assert metrics["EstimateGap"] == pytest.approx(comparisons[2]["gap"])
    assert metrics["RelationshipChanged"] == 1


def test_the_baseline_raises_no_flag(aws):
    # Given three hours whose outcomes follow the calibration
    for hour in range(3):
        scored(aws.s3, 300, at=START + timedelta(hours=hour, minutes=5), seed=20 + hour)

    # When the hourly check judges each hour
    reports = []
    for hour in range(3):
        check(START + timedelta(hours=hour + 2))
        reports.append(aws.report(START + timedelta(hours=hour + 2)))

    # Then the estimate and the realized accuracy agree within the noise: nothing is flagged
    comparisons = [r["label_free"]["comparison"] for r in reports]
    assert all(c["labels"] == 300 and not c["flagged"] for c in comparisons)
    assert all(abs(c["gap"]) <= c["threshold"] for c in comparisons)
    assert not any(r["label_free"]["relationship_changed"] for r in reports)
    assert aws.state()["flagged_streak"] == 0
    assert [a for a in aws.alerts() if a["alert"] == "relationship_changed"] == []


def test_after_days_without_a_check_the_estimate_catches_up_a_day_at_a_time(aws):
    # Given a first check, then three days without one, traffic on the first and the last day
    check(START + timedelta(hours=1))
    first = scored(aws.s3, 120, at=START + timedelta(hours=2), seed=3, labelled=False)
    later = START + timedelta(days=3, hours=1)
    last = scored(aws.s3, 80, at=later - timedelta(hours=2), seed=4, labelled=False)

    # When the hourly checks resume
    windows, rows, accuracy = [], [], []
    for hour in range(3):
        check(later + timedelta(hours=hour))
        free = aws.report(later + timedelta(hours=hour))["label_free"]
        windows.append((free["window"]["start"], free["window"]["end"]))
        rows.append((free["estimate"] or {}).get("rows", 0))
        accuracy.append((free["estimate"] or {}).get("accuracy"))

    # Then each reads the next day after the last estimate, never everything since it
    day = [START + timedelta(hours=1) + timedelta(days=d) for d in range(4)]
    assert windows == [
        (f"{a:%Y-%m-%dT%H:%M:%SZ}", f"{b:%Y-%m-%dT%H:%M:%SZ}")
        for a, b in zip(day, day[1:], strict=False)
    ]
    assert rows == [120, 0, 80]
    assert accuracy[0] == pytest.approx(first, abs=1e-6)
    assert accuracy[2] == pytest.approx(last, abs=1e-6)
