"""The live fairness alarm rule: a breach must hold over two consecutive decided looks."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from lambdas.quality_check import live_fairness
from lambdas.quality_check.evidence import Labelled
from lambdas.shared.settings import ModelSpec

SPEC = ModelSpec.from_dict(
    {
        "dataset": "loans",
        "target": "approved",
        "task": "classification",
        "metric": "accuracy",
        "direction": "maximize",
        "features": [{"name": "income", "type": "numeric"}],
        "fairness": {"group": "applicant_group", "favourable_label": 1},
    }
)


def rows(*, a: int = 60, b: int = 40, b_approved: float = 0.5) -> list[Labelled]:
    """Group A approved half the time; group B ``b_approved`` of the time; all answers right."""
    out = []
    for group, size, share in (("A", a, 0.5), ("B", b, b_approved)):
        approved = round(size * share)
        for index in range(size):
            label = int(index < approved)
            out.append(Labelled(label, label, {"income": 40.0, "applicant_group": group}))
    return out


def test_a_fair_window_is_ok_and_shows_every_groups_figures():
    section = live_fairness.judge(SPEC, rows(), streak=0, decided=True)

    assert section["status"] == "ok" and section["problems"] == []
    assert section["groups"]["A"]["size"] == 60 and section["groups"]["B"]["size"] == 40
    assert section["groups"]["B"]["selection_rate"] == 0.5
    assert section["figures"]["disparate_impact"]["value"] == 1.0
    assert (section["breach_streak"], section["alarm"]) == (0, False)


def test_one_breached_window_is_reported_but_does_not_alarm():
    section = live_fairness.judge(SPEC, rows(b_approved=0.2), streak=0, decided=True)

    assert section["status"] == "breach"
    assert section["problems"] == ["fairness: disparate impact 0.4 for applicant_group=B below 0.8"]
    assert (section["breach_streak"], section["alarm"]) == (1, False)


def test_the_second_consecutive_breached_window_alarms():
    section = live_fairness.judge(SPEC, rows(b_approved=0.2), streak=1, decided=True)

    assert (section["breach_streak"], section["alarm"]) == (2, True)


def test_a_fair_window_clears_the_streak():
    assert live_fairness.judge(SPEC, rows(), streak=1, decided=True)["breach_streak"] == 0


def test_an_undecided_look_reports_a_breach_without_counting_it():
    section = live_fairness.judge(SPEC, rows(b_approved=0.2), streak=1, decided=False)

    assert section["status"] == "breach" and section["counted"] is False
    assert section["breach_streak"] == 1


def test_too_small_a_group_is_insufficient_evidence_and_leaves_the_streak():
    section = live_fairness.judge(SPEC, rows(b=20, b_approved=0.0), streak=1, decided=True)

    assert section["status"] == "insufficient_evidence"
    assert section["insufficient_evidence"] == ["B"] and section["groups"]["B"]["size"] == 20
    assert section["figures"] == {} and section["breach_streak"] == 1


def test_a_spec_without_fairness_has_no_section():
    spec = ModelSpec.from_dict({**SPEC.__dict__, "features": [], "fairness": None})

    assert live_fairness.judge(spec, rows(), streak=0, decided=True) is None


@pytest.fixture
def topic():
    with mock_aws():
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        arn = sns.create_topic(Name="alerts")["TopicArn"]
        url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue["Attributes"]["QueueArn"])
        yield (
            sns,
            arn,
            lambda: [
                json.loads(json.loads(m["Body"])["Message"])
                for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                    "Messages", []
                )
            ],
        )


def test_the_alert_goes_out_once_when_the_streak_reaches_two(topic):
    sns, arn, received = topic
    report = {"champion_model_package_arn": "arn:pkg", "window": {"end": "w"}}
    streak = 0
    sent = []
    for _ in range(3):
        section = live_fairness.judge(SPEC, rows(b_approved=0.2), streak=streak, decided=True)
        report["fairness"] = section
        sent.append(
            live_fairness.alert(sns, topic_arn=arn, dataset="loans", report=report, previous=streak)
        )
        streak = section["breach_streak"]

    assert sent == [False, True, False]
    (alert,) = received()
    assert alert["alert"] == "fairness_breached" and alert["group"] == "applicant_group"
    assert alert["sizes"] == {"A": 60, "B": 40}
    assert "for applicant_group=B below 0.8" in alert["problems"][0]
