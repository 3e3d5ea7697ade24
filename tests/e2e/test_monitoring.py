"""Monitoring on the local cloud: the whole story, and no false alarm on a calm world."""

from __future__ import annotations

import json
import struct
from datetime import timedelta

import pytest

from infra.config import load_from_cdk_json
from shadowloop.demo import report, story, use_cases
from shadowloop.ops.api import ApiClient
from tests.e2e.conftest import DATASET, generate, push
from tests.e2e.test_serving import _send

pytestmark = pytest.mark.e2e


def test_the_demo_story_retrains_on_drift_and_promotes(tmp_path):
    # Given the delivery-ETA story on a fresh local cloud
    use_case = use_cases.delivery_eta(load_from_cdk_json(), scale=0.6)

    # When it runs and writes its report
    result = story.run(use_case, workdir=tmp_path / "cloud", step=lambda _: None)
    files = report.write(result, tmp_path / "out")
    document = json.loads(files["json"].read_text())

    # Then a drift check found drift and started retraining
    drifted = [c for c in document["drift_checks"] if c["drifted"]]
    assert drifted and drifted[0]["retrain_started"] is True
    assert {"rain_mm", "traffic_index"} <= {
        name for name, f in drifted[0]["features"].items() if f.get("drifted")
    }
    # And the calm first hour raised no alarm
    assert document["drift_checks"][0]["drifted"] is False

    # And the second run was triggered by drift, on a new dataset version built from traffic
    runs = document["pipeline_runs"]
    assert [r["trigger"] for r in runs] == ["manual", "drift"]
    versions = {v["version_id"]: v["source"] for v in document["dataset_versions"]}
    assert runs[1]["version_id"] != runs[0]["version_id"]
    assert versions[runs[1]["version_id"]] == "retraining"

    # And the retrained model was promoted and serves
    (promotion,) = [p for p in document["promotions"] if p["decision"] == "promote"]
    assert promotion["to"] == runs[1]["model_package_arn"]
    assert document["endpoint"]["production"]["model_package_arn"] == runs[1]["model_package_arn"]
    assert document["served_by"]["model_package_arn"] == runs[1]["model_package_arn"]
    assert document["predictions_served"] > 0

    # And the plots are real PNG images
    for kind in ("drift", "metrics", "shadow"):
        header = files[kind].read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", header[16:24])
        assert width > 300 and height > 200
    assert "drift_per_feature.png" in files["html"].read_text()


def test_calm_traffic_raises_no_drift_and_starts_nothing(cloud, target, api_url):
    # Given a model in production and an hour of ordinary traffic
    first = cloud.run_pipeline(
        dataset=DATASET, version_id=push(target, generate("baseline", 2500, 0))
    )
    assert first.status == "SUCCEEDED", first.cause
    cloud.scheduler.now = cloud.scheduler.now.replace(minute=0)
    cloud.scheduler.advance(timedelta(minutes=5))
    _send(ApiClient(api_url), generate("baseline", 400, 4), feedback=False)

    # When the hourly drift check fires
    firings = cloud.scheduler.advance(
        timedelta(minutes=55), only=lambda rule: rule.name.endswith("drift-check")
    )

    # Then it reports no drift and no run was started
    (firing,) = firings
    assert firing.result["drifted"] is False
    assert firing.result["retrain_started"] is False
    executions = cloud.client("stepfunctions").list_executions(
        stateMachineArn=cloud.output("StateMachineArn")
    )["executions"]
    assert len(executions) == 1


def test_the_weekly_schedule_retrains_on_the_latest_version(cloud, target):
    # Given a dataset version and the retrain rule the monitoring stack deployed
    version = push(target, generate("baseline", 1500, 0))
    retrain = cloud.scheduler.rule("retrain")

    # When the clock passes the rule's next firing (a week holds exactly one)
    firings = cloud.scheduler.advance(timedelta(days=7), only=lambda rule: rule is retrain)

    # Then one run started with trigger=schedule and trained on the latest version
    (firing,) = firings
    assert firing.result.status == "SUCCEEDED", firing.result.cause
    assert firing.result.input["trigger"] == "schedule"
    assert firing.result.output["data"]["version_id"] == version
    assert firing.result.output["model_package"]["arn"].endswith("/1")
