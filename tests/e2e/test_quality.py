"""The live quality monitor on the local cloud: concept drift the drift check cannot see."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lambdas.shared import endpoint_state, registry
from shadowloop.demo import traffic
from shadowloop.ops.api import ApiClient
from tests.e2e.conftest import DATASET, generate, push

pytestmark = pytest.mark.e2e

# The drift check is left out: on a few hundred rows it can flag a critical feature by
# chance, and its run would hold the quality run back (nothing starts while one is in flight).
HOURLY_CHECKS = ("quality-check", "promotion-check")
REQUESTS_PER_HOUR = 300


def test_roadworks_alarm_retrain_on_recent_traffic_and_the_new_champion_recovers(
    cloud, target, api_url
):
    api = ApiClient(api_url)
    spec = cloud.config.model
    sagemaker = cloud.client("sagemaker")
    # Given v1, trained on ordinary days, in production
    first = cloud.run_pipeline(
        dataset=DATASET, version_id=push(target, generate("baseline", 2500, 0))
    )
    assert first.status == "SUCCEEDED", first.cause
    cloud.scheduler.now = cloud.scheduler.now.replace(minute=0)

    def hour(seed):
        """An hour of roadworks traffic (with feedback) at minute 5, then the hourly checks."""
        firings = cloud.scheduler.advance(timedelta(minutes=5), only=_hourly)
        if seed is not None:
            frame = generate("roadworks", REQUESTS_PER_HOUR, seed)
            traffic.send(api, frame, features=spec.feature_names, target=spec.target)
        firings += cloud.scheduler.advance(timedelta(minutes=55), only=_hourly)
        return {name: f.result for f in firings for name in HOURLY_CHECKS if f.rule.endswith(name)}

    # When roadworks slow deliveries in two zones (inputs unchanged) for two hours
    checks = [hour(1), hour(2)]

    # Then the quality check alarmed within those two hourly windows and started a quality run
    quality = [c["quality-check"] for c in checks]
    assert [q["status"] for q in quality] == ["insufficient_evidence", "degraded"]
    alarm = quality[1]
    assert alarm["alert_sent"] is True
    assert alarm["retrain_started"] is True, alarm["skipped_reason"]
    assert alarm["estimate"] > 1.5 * alarm["reference"]
    run = cloud.wait(alarm["retrain_execution_arn"])
    assert run.status == "SUCCEEDED", run.cause
    assert run.input["trigger"] == "quality"
    assert run.output["retraining"]["version_id"] == run.output["data"]["version_id"]
    candidate = run.output["model_package"]["arn"]
    assert registry.describe_lineage(sagemaker, candidate)["trigger"] == "quality"
    # And the report in S3 singles out the slow zones
    report = _report(cloud, "monitoring/quality/reports/")[-1]
    zones = report["groups"][spec.segment]
    assert {z for z, v in zones.items() if v["status"] == "degraded"} <= {"east", "centre"}

    # When the retrained model runs in shadow for an hour, the promotion check promotes it
    promoted = hour(3)["promotion-check"]
    assert promoted["decision"] == "promote", promoted["reason"]
    cloud.settle_endpoints()
    state = endpoint_state.describe(sagemaker, cloud.output("EndpointName"))
    assert state.champion.model_package_arn == candidate

    # Then the new champion, judged on its own labelled traffic, is back near its holdout
    hour(None)  # the first check that sees the new champion starts watching it
    sent_at = cloud.scheduler.now + timedelta(minutes=5)
    hour(4)
    later = [hour(None)["quality-check"] for _ in range(2)]
    recovered = next((q for q in later if q["status"] != "insufficient_evidence"), later[-1])
    assert recovered["status"] == "ok", (sent_at, later)
    assert recovered["reference"] == registry.describe_lineage(sagemaker, candidate)["metric_value"]
    assert abs(recovered["estimate"] - recovered["reference"]) <= 0.2 * recovered["reference"]


def _hourly(rule) -> bool:
    return rule.name.endswith(HOURLY_CHECKS)


def _report(cloud, prefix):
    s3, bucket = cloud.client("s3"), cloud.output("ArtifactBucketName")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return [
        json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
        for item in sorted(listed, key=lambda item: item["Key"])
    ]
