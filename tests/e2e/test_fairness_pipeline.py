"""Fairness through the deployed pipeline: the bias report, the registry, the API, the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from infra.config import ROOT, load_from_cdk_json
from lambdas.shared import capture
from shadowloop.cli import common
from shadowloop.cli.main import cli
from shadowloop.demo import loans, use_cases
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.ops import datasets, localserver
from shadowloop.ops.api import ApiClient
from tests.e2e.conftest import read_s3

pytestmark = pytest.mark.e2e
FEATURES = ["income", "debt_ratio", "credit_years", "loan_amount", "postcode_band"]


@pytest.fixture
def loan_cloud(tmp_path: Path) -> Iterator[LocalCloud]:
    """A local account deployed with a loan-approval spec judged across applicant_group."""
    csv = tmp_path / "loans.csv"
    loans.generate("fair", rows=1500, seed=0).to_csv(csv, index=False)
    config = use_cases.from_csv(
        load_from_cdk_json(), csv, target="approved", task=None, shifts={}, group=loans.GROUP
    ).config
    local = LocalCloud(workdir=tmp_path / "cloud", config=config)
    local.start(assembly_cache=ROOT / ".shadowloop" / "assembly")
    yield local
    local.stop()


def records(frame, *, with_group: bool) -> list[dict]:
    columns = [*FEATURES, loans.GROUP] if with_group else FEATURES
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in frame[columns].to_dict("records")
    ]


def test_bias_report_registry_api_and_capture_carry_the_group(loan_cloud, monkeypatch):
    cloud = loan_cloud
    spec = cloud.config.model
    target = localserver.target_for(cloud)
    frame = loans.generate("fair", rows=1500, seed=0)

    # Given fair loan decisions pushed as the dataset (the group is no feature)
    version_id = datasets.push_bytes(
        target, frame.to_csv(index=False).encode(), spec.dataset, name="loans", source="test"
    )
    assert loans.GROUP not in spec.feature_names

    # When the pipeline runs
    run = cloud.run_pipeline(dataset=spec.dataset, version_id=version_id)

    # Then the gate judged fairness and passed, and the bias report sits beside evaluation.json
    assert run.status == "SUCCEEDED", run.cause
    gate = run.output["gate"]
    assert gate["decision"] == "pass", gate["reason"]
    verdict = gate["fairness"]
    assert verdict["decision"] == "pass" and verdict["group"] == loans.GROUP
    bias = json.loads(read_s3(cloud, verdict["bias_report_uri"]))
    assert verdict["bias_report_uri"].endswith("/evaluation/bias.json")
    assert set(bias["candidate"]["groups"]) == {"A", "B"}
    assert bias["candidate"]["figures"]["disparate_impact"]["value"] == pytest.approx(
        verdict["figures"]["disparate_impact"]
    )
    # And the registered package carries it as its post-training bias report
    arn = run.output["model_package"]["arn"]
    package = cloud.client("sagemaker").describe_model_package(ModelPackageName=arn)
    assert package["ModelMetrics"]["Bias"]["PostTrainingReport"] == {
        "ContentType": "application/json",
        "S3Uri": verdict["bias_report_uri"],
    }

    # When requests come through the API with and without the group
    server, url = localserver.serve_api(cloud, port=0)
    try:
        api = ApiClient(url)
        sample = frame.iloc[:20]
        with_group = api.predict(records(sample, with_group=True))
        without = api.predict(records(sample, with_group=False))
        model = api.model()
    finally:
        server.shutdown()

    # Then the model ignored the group, and the capture kept it for per-group monitoring
    assert [p["prediction"] for p in with_group["predictions"]] == [
        p["prediction"] for p in without["predictions"]
    ]
    ids = {p["inference_id"] for p in with_group["predictions"]}
    captured = captured_inputs(cloud)
    assert {captured[i][loans.GROUP] for i in ids} == set(sample[loans.GROUP])
    # And GET /model shows the fairness figures of the serving model
    assert model["production"]["fairness"]["decision"] == "pass"
    assert model["production"]["fairness"]["disparate_impact"] == pytest.approx(
        verdict["figures"]["disparate_impact"], abs=1e-4
    )

    # When `shadowloop models` lists the registry
    monkeypatch.setattr(common, "resolve", lambda name: target)
    monkeypatch.setattr(common.console, "width", 240)  # one table row per package
    listed = CliRunner().invoke(cli, ["models"])

    # Then it shows the group and the figures
    assert listed.exit_code == 0, listed.output
    figure = round(verdict["figures"]["disparate_impact"], 3)
    assert f"applicant_group: disparate impact {figure:.3f}" in listed.output


def captured_inputs(cloud: LocalCloud) -> dict[str, dict]:
    s3 = cloud.client("s3")
    bucket = cloud.output("CaptureBucketName")
    endpoint = cloud.output("EndpointName")
    records = capture.read_captures(s3, bucket, endpoint, "champion", capture.Skipped())
    return {record.inference_id: record.features for record in records}
