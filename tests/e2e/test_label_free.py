"""A classifier on the local cloud: calibrated at evaluation, served with its probabilities."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from infra.config import ROOT, load_from_cdk_json
from lambdas.shared import capture, performance_estimate, registry
from shadowloop.demo import hospital, use_cases
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.ops import datasets, localserver
from shadowloop.ops.api import ApiClient
from tests.e2e.conftest import read_s3

pytestmark = pytest.mark.e2e
FEATURES = [f.name for f in hospital.FEATURES]


@pytest.fixture
def readmissions(tmp_path):
    """A local account deployed for the readmission model, and its use case."""
    use_case = use_cases.hospital_readmission(load_from_cdk_json(), scale=0.5)
    cloud = LocalCloud(workdir=tmp_path, config=use_case.config)
    cloud.start(assembly_cache=ROOT / ".shadowloop" / "assembly")
    server, url = localserver.serve_api(cloud, port=0)
    yield cloud, use_case, ApiClient(url)
    server.shutdown()
    cloud.stop()


def _captured(cloud):
    s3 = cloud.client("s3")
    bucket = cloud.output("CaptureBucketName")
    skipped = capture.Skipped()
    endpoint = cloud.output("EndpointName")
    records = list(capture.read_captures(s3, bucket, endpoint, "champion", skipped))
    assert skipped.count == 0
    return records


def test_a_classifier_is_registered_with_its_calibration_and_estimated_from_captures(
    readmissions,
):
    cloud, use_case, api = readmissions
    # Given the readmission model trained and deployed by the pipeline
    target = localserver.target_for(cloud)
    version = datasets.push_bytes(
        target,
        use_case.training.to_csv(index=False).encode(),
        use_case.name,
        name="test",
        source="test",
    )
    run = cloud.run_pipeline(dataset=use_case.name, version_id=version)
    assert run.status == "SUCCEEDED", run.cause

    # Then its package names a calibration the Lambdas can read
    lineage = registry.describe_lineage(
        cloud.client("sagemaker"), run.output["model_package"]["arn"]
    )
    assert lineage["calibration_uri"].endswith("/evaluation/calibration.json")
    calibration = performance_estimate.Calibration.from_dict(
        json.loads(read_s3(cloud, lineage["calibration_uri"]))
    )
    assert calibration.classes == [0, 1]

    # When patients are scored over HTTP
    cloud.scheduler.now = datetime.now(UTC) + timedelta(minutes=1)
    patients = use_case.calm_traffic.head(100)
    records = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in patients[FEATURES].to_dict("records")
    ]
    answer = api.predict(records)

    # Then each answer carries its class probabilities, and so does each capture
    first = answer["predictions"][0]
    assert set(first["probabilities"]) == {"0", "1"}
    assert first["probabilities"]["1"] == pytest.approx(1 - first["probabilities"]["0"], abs=1e-5)
    captured = {r.inference_id: r for r in _captured(cloud)}
    ids = [p["inference_id"] for p in answer["predictions"]]
    assert set(ids) <= set(captured)
    rows = [captured[i] for i in ids]
    assert rows[0].probabilities == [first["probabilities"]["0"], first["probabilities"]["1"]]

    # And the captured window is estimated without labels, then compared with them
    estimate = performance_estimate.estimate(
        [r.probabilities for r in rows],
        [r.output for r in rows],
        classes=rows[0].classes,
        calibration=calibration,
    )
    assert 0.7 < estimate["accuracy"] < 0.95
    compared = performance_estimate.compare(
        [r.probabilities for r in rows],
        [r.output for r in rows],
        patients[hospital.TARGET].tolist(),
        classes=rows[0].classes,
        calibration=calibration,
    )
    assert compared["labels"] == 100
    assert compared["flagged"] is False
