"""The audit trail on the local cloud: explain and replay a prediction, approve a model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from click.testing import CliRunner

from infra.config import ROOT, load_from_cdk_json
from shadowloop.cli import common
from shadowloop.cli.main import cli
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.ops import localserver
from shadowloop.ops.api import ApiClient
from tests.e2e.conftest import DATASET, generate, push

pytestmark = pytest.mark.e2e
FEATURES = [
    "distance_km",
    "hour",
    "weekday",
    "rain_mm",
    "traffic_index",
    "prep_minutes",
    "items",
    "city_zone",
]


def _train(cloud, target) -> dict:
    version_id = push(target, generate("baseline", 1500, 0))
    run = cloud.run_pipeline(dataset=DATASET, version_id=version_id)
    assert run.status == "SUCCEEDED", run.cause
    return {**run.output["model_package"], "version_id": version_id}


def _cli(monkeypatch, target):
    monkeypatch.setattr(common, "resolve", lambda name: target)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


def _printed_json(output: str) -> dict:
    """The command's JSON document; the in-process API function logs on the same stdout."""
    start = output.index("{\n") if output.startswith("{\n") else output.index("\n{\n") + 1
    return json.JSONDecoder().raw_decode(output[start:])[0]


def _error_line(output: str) -> str:
    """The one error line; the in-process API function's metric logs share the output."""
    (line,) = [line for line in output.splitlines() if line.startswith("error:")]
    return line


def test_a_prediction_is_explained_and_replayed_exactly(cloud, target, api_url, monkeypatch):
    # Given a trained model serving through the local API, and one prediction
    package = _train(cloud, target)
    target.api_url = api_url
    records = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in generate("baseline", 3, 7)[FEATURES].to_dict("records")
    ]
    answer = ApiClient(api_url).predict(records)
    prediction = answer["predictions"][1]
    run = _cli(monkeypatch, target)

    # When it is explained and replayed
    explained = run("explain", prediction["inference_id"], "--replay", "--json")
    shown = run("explain", prediction["inference_id"], "--replay")

    # Then the record names the model, its dataset and code versions, the input and output
    assert explained.exit_code == 0, explained.output
    record = _printed_json(explained.output)
    described = target.client("sagemaker").describe_model_package(ModelPackageName=package["arn"])
    lineage = described["CustomerMetadataProperties"]
    assert record["model_package_arn"] == package["arn"] == answer["model_package_arn"]
    assert record["version_id"] == package["version_id"] == lineage["version_id"]
    assert record["code_version"] == lineage["code_version"]
    assert record["input"] == records[1]
    assert record["prediction"] == prediction["prediction"]
    assert record["model"]["version"] == package["version"]
    assert record["model"]["approval_status"] == "Approved"
    assert record["model"]["lineage"]["dataset"] == DATASET
    assert record["model"]["lineage"]["run_id"] == lineage["run_id"]
    # And the registered artifact answers the stored input with the very same float
    container = described["InferenceSpecification"]["Containers"][0]
    assert record["replay"]["model_data_url"] == container["ModelDataUrl"]
    assert record["replay"]["reproduced"] is True
    assert record["replay"]["replayed"] == prediction["prediction"]
    assert shown.exit_code == 0, shown.output
    assert "reproduced: yes" in shown.output.splitlines()
    assert package["arn"] in shown.output and package["version_id"] in shown.output


def test_a_record_that_no_longer_matches_its_model_fails_the_replay(
    cloud, target, api_url, monkeypatch
):
    # Given a recorded prediction whose stored answer differs from what the model says
    _train(cloud, target)
    target.api_url = api_url
    record = {
        k: (v.item() if hasattr(v, "item") else v)
        for k, v in generate("baseline", 1, 3)[FEATURES].to_dict("records")[0].items()
    }
    (prediction,) = ApiClient(api_url).predict([record])["predictions"]
    altered = prediction["prediction"] + 1e-9
    target.client("dynamodb").update_item(
        TableName=target.output("InferenceTableName"),
        Key={"inference_id": {"S": prediction["inference_id"]}},
        UpdateExpression="SET prediction = :p",
        ExpressionAttributeValues={":p": {"N": repr(altered)}},
    )

    # When it is replayed
    replayed = _cli(monkeypatch, target)("explain", prediction["inference_id"], "--replay")

    # Then the command fails, naming both answers
    assert replayed.exit_code == 1
    last = _error_line(replayed.output)
    assert last.startswith(f"error: not reproduced: recorded {altered!r}")
    assert repr(prediction["prediction"]) in last


def test_explaining_an_unknown_or_malformed_id_is_one_line(cloud, target, api_url, monkeypatch):
    target.api_url = api_url
    run = _cli(monkeypatch, target)

    unknown = run("explain", "0" * 32)
    malformed = run("explain", "not/an id")

    assert unknown.exit_code == 1
    assert _error_line(unknown.output) == (
        f"error: HTTP 404: inference_id '{'0' * 32}' is unknown "
        "(never predicted, or past its retention)"
    )
    assert malformed.exit_code == 1
    assert _error_line(malformed.output).startswith(
        'error: HTTP 400: inference id "not/an id" is malformed'
    )


@pytest.fixture
def manual_cloud(tmp_path) -> Iterator[LocalCloud]:
    """A local account deployed with manual approval, as prod is."""
    config = replace(load_from_cdk_json(), approval="manual")
    local = LocalCloud(workdir=tmp_path, config=config)
    local.start(assembly_cache=ROOT / ".shadowloop" / "assembly")
    yield local
    local.stop()


def test_approving_a_pending_package_records_who_when_and_why(manual_cloud, monkeypatch):
    # Given a package the pipeline registered as pending manual approval
    target = localserver.target_for(manual_cloud)
    package = _train(manual_cloud, target)
    assert package["approval_status"] == "PendingManualApproval"
    run = _cli(monkeypatch, target)

    # When a person approves it by its version number
    refused = run("approve", str(package["version"]), "--reason", "looks fine, ship it!")
    approved = run("approve", str(package["version"]), "--reason", "risk review 42 passed")
    listed = run("models")

    # Then a reason SageMaker cannot keep is refused in one line and changes nothing
    assert refused.exit_code == 1
    assert _error_line(refused.output) == (
        "error: --reason holds '!' ',': SageMaker's package metadata takes only letters, "
        "digits, spaces and _ . : / = + - @"
    )
    # And the registry has the package Approved, by the caller, with the time and the reason
    assert approved.exit_code == 0, approved.output
    sagemaker = target.client("sagemaker")
    described = sagemaker.describe_model_package(ModelPackageName=package["arn"])
    who = target.client("sts").get_caller_identity()["Arn"]
    metadata = described["CustomerMetadataProperties"]
    assert described["ModelApprovalStatus"] == "Approved"
    assert metadata["approved_by"] == who
    assert metadata["approval_reason"] == "risk review 42 passed"
    assert metadata["approved_at"].endswith("+00:00")
    assert described["ApprovalDescription"] == (
        f"risk review 42 passed (approved by {who} at {metadata['approved_at']})"
    )
    # And the lineage the pipeline recorded is still there
    assert metadata["version_id"] == package["version_id"]
    # And `shadowloop models` shows who, when and why
    assert listed.exit_code == 0, listed.output
    assert (
        f"version {package['version']}: Approved by {who} at {metadata['approved_at']}: "
        "risk review 42 passed"
    ) in listed.output.splitlines()


def test_rejecting_a_package_by_its_arn_records_the_decision(manual_cloud, monkeypatch):
    target = localserver.target_for(manual_cloud)
    package = _train(manual_cloud, target)
    run = _cli(monkeypatch, target)

    rejected = run("approve", package["arn"], "--reject", "--reason", "fails fairness check 7")
    unknown = run("approve", "99", "--reason", "whatever")

    assert rejected.exit_code == 0, rejected.output
    described = target.client("sagemaker").describe_model_package(ModelPackageName=package["arn"])
    assert described["ModelApprovalStatus"] == "Rejected"
    assert described["CustomerMetadataProperties"]["approval_reason"] == "fails fairness check 7"
    assert unknown.exit_code == 1
    assert _error_line(unknown.output).endswith("has no model package version 99")
