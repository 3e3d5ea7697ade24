"""The promotion check's hours folded into a tally: the same answer, with flat work per run."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import boto3
import numpy as np
import pytest

from lambdas.promotion_check import decision as decisions
from lambdas.promotion_check import state as st
from lambdas.promotion_check.check import check_promotion
from lambdas.promotion_check.tally import Tally
from lambdas.shared import capture
from lambdas.shared.capture import Skipped, read_captures
from lambdas.shared.contracts import feedback
from lambdas.shared.contracts.layout import promotion_state_key
from lambdas.shared.feedback import read_feedback
from tests import inference_table
from tests.integration.serving.test_deploy_endpoint import (  # noqa: F401 (fixtures)
    approval,
    context,
    moto_gaps,
    register,
    served,
)
from tests.integration.serving.test_promotion_check import (  # noqa: F401 (fixtures)
    ENDPOINT,
    SETTINGS,
    aws,
    in_process,
    shadowed,
)

HORIZON = 3
# A margin no challenger clears: every look waits, so the challenger stays for the next.
WAITING = replace(SETTINGS, margin=50.0, label_horizon_hours=HORIZON)
PER_HOUR = 8


def window_start(sagemaker) -> tuple[str, datetime]:
    name = sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"]
    return name, sagemaker.describe_endpoint_config(EndpointConfigName=name)["CreationTime"]


def line(inference_id: str, prediction: float, at: datetime) -> str:
    return capture.encode_line(
        {"instances": [{"distance_km": 3.0}], "inference_ids": [inference_id]},
        {"predictions": [prediction]},
        event_id=f"event-{inference_id}",
        inference_id=inference_id,
        inference_time=at,
    )


class Traffic:
    """Hourly captures of both variants, and labels that come up to two hours later."""

    def __init__(self, s3, start: datetime, seed: int = 0) -> None:
        self.s3 = s3
        self.dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        # Hour 0 is the first whole hour after the challenger's config was created.
        self.origin = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        self.rng = np.random.default_rng(seed)
        self.pending: list[tuple[datetime, str, datetime, float]] = []

    def hour(self, k: int) -> None:
        """One hour of requests at the edges too: the last one's shadow capture is in the next
        hour, and the first one's label is filed under the hour before (the API's clock)."""
        base = self.origin + timedelta(hours=k)
        files: dict[str, list[str]] = {}
        for n in range(PER_HOUR):
            at = base + timedelta(minutes=5 + n * 6, seconds=7)
            if n == 0:
                at = base + timedelta(seconds=30)
            if n == PER_HOUR - 1:
                at = base + timedelta(minutes=59, seconds=59)
            inference_id = f"h{k:03d}-{n:02d}"
            truth = float(self.rng.normal(30, 8))
            shadow_at = at + timedelta(seconds=2)
            for variant, moment, error in (
                ("champion", at, self.rng.normal(0, 3)),
                ("challenger", shadow_at, self.rng.normal(0.3, 2.5)),
            ):
                folder = f"capture/{ENDPOINT}/{variant}/{moment:%Y/%m/%d/%H}/part.jsonl"
                files.setdefault(folder, []).append(line(inference_id, truth + error, moment))
            if n % 4 != 2:  # a quarter of the requests are never labelled
                delay = timedelta(minutes=int(self.rng.integers(0, 120)))
                api_clock = at - timedelta(minutes=1)
                self.pending.append((at + delay, inference_id, api_clock, truth))
        for key, lines in files.items():
            # A later request may land in a file of an hour already written: append to it.
            try:
                before = self.s3.get_object(Bucket="captures", Key=key)["Body"].read().decode()
            except self.s3.exceptions.NoSuchKey:
                before = ""
            body = "\n".join([*([before] if before else []), *lines])
            self.s3.put_object(Bucket="captures", Key=key, Body=body.encode())

    def labels_until(self, now: datetime) -> None:
        """File every label that has arrived by ``now`` under its prediction's hour."""
        due = [p for p in self.pending if p[0] <= now]
        self.pending = [p for p in self.pending if p[0] > now]
        for _, inference_id, predicted_at, truth in due:
            label(self.dynamodb, inference_id, predicted_at, truth)


def label(dynamodb, inference_id: str, predicted_at: datetime, actual: float) -> None:
    """Feedback as ``POST /feedback`` files it: under its prediction's hour."""
    inference_table.label(
        dynamodb, SETTINGS.inference_table, inference_id, actual, feedback.hour_key(predicted_at)
    )


def all_records(s3, start: datetime, now: datetime) -> dict:
    """The computation before the tally: every capture and label since the start, joined."""
    skipped = Skipped()
    predictions = {
        v: {
            r.inference_id: r.output
            for r in read_captures(s3, "captures", ENDPOINT, v, skipped, start=start, end=now)
        }
        for v in ("champion", "challenger")
    }
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    actuals = read_feedback(dynamodb, SETTINGS.inference_table, skipped, start=start, end=now)
    joined = decisions.join("regression", predictions, actuals)
    champion, challenger = joined.labelled["champion"], joined.labelled["challenger"]
    return {
        "labelled": len(joined.truth),
        "champion": decisions.score("rmse", joined.truth, champion),
        "challenger": decisions.score("rmse", joined.truth, challenger),
        "agreement": decisions.agreement(
            "regression", joined.paired["champion"], joined.paired["challenger"]
        ),
        "differences": decisions.paired_differences("rmse", joined.truth, champion, challenger),
    }


class CaptureReads:
    """The capture objects a run GETs, seen on the client's own request events."""

    def __init__(self, s3) -> None:
        self.keys: list[str] = []
        s3.meta.events.register("before-parameter-build.s3.GetObject", self._seen)

    def _seen(self, params, **_) -> None:
        if params["Key"].startswith("capture/"):
            self.keys.append(params["Key"])

    def during(self, run) -> tuple[object, int]:
        self.keys = []
        result = run()
        return result, len(self.keys)


def test_hourly_runs_match_the_all_records_computation_and_read_a_flat_number_of_captures(
    shadowed,  # noqa: F811 (the imported fixture)
):
    # Given a challenger in shadow and 12 hours of traffic, labels arriving up to 2 h late
    s3 = shadowed.clients.s3
    name, start = window_start(shadowed.clients.sagemaker)
    traffic = Traffic(s3, start)
    reads = CaptureReads(s3)
    per_run = []
    for k in range(12):
        traffic.hour(k)
        now = traffic.origin + timedelta(hours=k + 1, minutes=10)
        traffic.labels_until(now)

        # When the promotion check runs at each simulated hour
        report, read = reads.during(
            lambda now=now: check_promotion(
                shadowed.clients, WAITING, in_process(shadowed.deploy_ctx), now=now
            )
        )
        per_run.append(read)

        # Then its numbers are those of every record since the deploy, computed at once
        expected = all_records(s3, start, now)
        assert report["decision"] == "wait"
        assert report["labelled"] == expected["labelled"]
        if expected["labelled"] < WAITING.min_labelled:
            assert report["champion"]["metric"] is None
            continue
        assert report["champion"]["metric"] == pytest.approx(expected["champion"], rel=1e-12)
        assert report["challenger"]["metric"] == pytest.approx(expected["challenger"], rel=1e-12)
        assert report["agreement"] == pytest.approx(expected["agreement"], rel=1e-12)
        bound = report["evidence"]["paired_bound"]["loss_difference"]
        assert bound["n"] == expected["differences"].n
        assert bound["sum"] == pytest.approx(expected["differences"].total, rel=1e-12)
        assert bound["sum_sq"] == pytest.approx(expected["differences"].total_sq, rel=1e-12)

    # And the hours past the horizon are held as a tally, not read again
    stored = json.loads(
        s3.get_object(Bucket="artifacts", Key=promotion_state_key(name))["Body"].read()
    )
    assert datetime.fromisoformat(stored["folded_until"]) == now.replace(minute=0) - timedelta(
        hours=HORIZON
    )
    assert report["labelled"] > 10 * PER_HOUR // 2
    # And a run reads as many capture objects in hour 12 as in hour 6: the open hours only
    # (the champion's HORIZON + 1; the shadow's reach back one more and one ahead).
    assert per_run[5] == per_run[-1] == (HORIZON + 1) + (HORIZON + 3)
    assert per_run[:4] == [3, 5, 7, 9]


def run_at(shadowed, now: datetime, settings=WAITING) -> dict:  # noqa: F811
    return check_promotion(shadowed.clients, settings, in_process(shadowed.deploy_ctx), now=now)


def test_a_label_later_than_the_horizon_is_not_counted(shadowed):  # noqa: F811
    # Given two hours of traffic, every label of hour 0 withheld
    s3 = shadowed.clients.s3
    _, start = window_start(shadowed.clients.sagemaker)
    traffic = Traffic(s3, start)
    traffic.hour(0)
    late = list(traffic.pending)
    traffic.pending = []
    traffic.hour(1)
    first = traffic.origin + timedelta(hours=HORIZON + 1, minutes=30)
    traffic.labels_until(first)
    before = run_at(shadowed, first)

    # When hour 0's labels arrive after that run folded hour 0, and the check runs again
    for _, inference_id, predicted_at, truth in late:
        label(shadowed.clients.dynamodb, inference_id, predicted_at, truth)
    after = run_at(shadowed, first + timedelta(hours=1))

    # Then they are not counted, though everything since the start would count them
    folded_hour = first - timedelta(hours=HORIZON)
    assert before["evidence"]["folded_until"].startswith(f"{folded_hour:%Y-%m-%dT%H}")
    assert after["labelled"] == before["labelled"] > 0
    assert all_records(s3, start, first)["labelled"] == before["labelled"] + len(late)


def test_a_repeated_run_and_a_racing_write_count_no_hour_twice(shadowed):  # noqa: F811
    # Given six hours of labelled traffic and the state a racing run read before any fold
    s3 = shadowed.clients.s3
    name, start = window_start(shadowed.clients.sagemaker)
    traffic = Traffic(s3, start)
    for k in range(6):
        traffic.hour(k)
    now = traffic.origin + timedelta(hours=7, minutes=10)
    traffic.labels_until(now)
    raced = st.load(s3, "artifacts", name, start)

    # When the check runs twice for the same time, and the racing run then tries to fold
    first = run_at(shadowed, now)
    stored = s3.get_object(Bucket="artifacts", Key=promotion_state_key(name))
    again = run_at(shadowed, now)
    refused = st.save(
        s3,
        "artifacts",
        name,
        read=raced,
        start=start,
        until=now - timedelta(hours=1),
        tally=Tally(),
    )

    # Then the repeat answers the same, and the state is the first run's alone
    assert first["evidence"]["folded_now"] is True
    assert again["evidence"]["folded_now"] is False
    for field in ("labelled", "agreement"):
        assert again[field] == first[field]
    assert again["champion"]["metric"] == pytest.approx(first["champion"]["metric"], rel=1e-12)
    assert refused is False
    after = s3.get_object(Bucket="artifacts", Key=promotion_state_key(name))
    assert after["ETag"] == stored["ETag"]
    assert first["labelled"] == all_records(s3, start, now)["labelled"]


def test_an_unreadable_state_is_counted_and_rebuilt_from_the_start(shadowed):  # noqa: F811
    # Given traffic, and a stored state that is not the check's JSON
    s3 = shadowed.clients.s3
    name, start = window_start(shadowed.clients.sagemaker)
    traffic = Traffic(s3, start)
    for k in range(5):
        traffic.hour(k)
    now = traffic.origin + timedelta(hours=6, minutes=10)
    traffic.labels_until(now)
    s3.put_object(Bucket="artifacts", Key=promotion_state_key(name), Body=b"{not json")

    # When the check runs
    report = run_at(shadowed, now)

    # Then it says so, counts every record since the start once, and stores a good state
    assert report["evidence"]["records_skipped"] == 1
    assert "unreadable" in report["evidence"]["skipped_reasons"][0]
    assert report["labelled"] == all_records(s3, start, now)["labelled"]
    folded = st.load(s3, "artifacts", name, start)
    assert folded.unreadable is None
    assert folded.until > start


def test_a_backlog_of_days_is_folded_a_day_per_run_and_waits_meanwhile(shadowed):  # noqa: F811
    # Given 30 hours of traffic and no stored tally (the check starts long after the deploy)
    s3 = shadowed.clients.s3
    _, start = window_start(shadowed.clients.sagemaker)
    traffic = Traffic(s3, start)
    for k in range(30):
        traffic.hour(k)
    now = traffic.origin + timedelta(hours=30, minutes=10)
    traffic.labels_until(now)
    reads = CaptureReads(s3)

    # When the check runs, and again an hour later
    first, first_reads = reads.during(lambda: run_at(shadowed, now))
    second, second_reads = reads.during(lambda: run_at(shadowed, now + timedelta(hours=1)))

    # Then the first folds one day (reading no more than that) and waits, saying so
    assert first["decision"] == "wait"
    assert first["reason"].startswith("counting the hours since the deploy")
    assert first["evidence"]["catching_up"] is True
    assert first_reads <= 2 * 26
    # And the second folds the rest, and counts every record since the start once
    assert second["evidence"]["catching_up"] is False
    assert second["labelled"] == all_records(s3, start, now)["labelled"]
    assert second_reads < first_reads
