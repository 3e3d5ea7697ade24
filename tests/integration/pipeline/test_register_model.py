"""Register against moto: the package in the registry and the lineage read back from it."""

import pytest

from lambdas.register_model.handler import handler
from lambdas.register_model.package import RegistrationRefused
from lambdas.shared import registry
from lambdas.shared.contracts import steps
from tests.integration.pipeline.conftest import GROUP
from tests.unit.pipeline.test_register_bias import BIAS, VERDICT
from tests.unit.pipeline.test_register_request import state


def test_candidate_becomes_a_package_with_its_lineage(sagemaker, context):
    # Given the state a passing run leaves
    event = state()

    # When it is registered
    result = handler(event, context)

    # Then the registry holds the package, and its lineage reads back
    assert set(result) == set(steps.REGISTER.result)
    assert result["version"] == 1
    assert result["approval_status"] == "Approved"
    lineage = registry.describe_lineage(sagemaker, result["arn"])
    assert lineage["group"] == GROUP
    assert lineage["dataset"] == "delivery-eta"
    assert lineage["version_id"] == "v-42"
    assert lineage["dataset_uri"] == event["data"]["source_uri"]
    assert lineage["code_version"] == "a1b2c3d"
    assert lineage["trigger"] == "drift"
    assert lineage["metric_value"] == 5.1
    assert lineage["champion_metric_value"] == 5.2
    assert lineage["training_job"] == "shadowloop-run-7"
    assert lineage["model_data_url"] == event["training"]["ModelArtifacts"]["S3ModelArtifacts"]
    assert lineage["evaluation_uri"] == event["evaluation_uri"]


def test_packages_are_listed_newest_first(sagemaker, context, monkeypatch):
    first = handler(state(run_id="run-1"), context)
    monkeypatch.setenv("APPROVAL_STATUS", "PendingManualApproval")
    second = handler(state(run_id="run-2", trigger="schedule"), context)

    listed = registry.list_packages(sagemaker, GROUP)

    assert [p["arn"] for p in listed] == [second["arn"], first["arn"]]
    assert listed[0] | {"created": None} == {
        "arn": second["arn"],
        "version": 2,
        "status": "PendingManualApproval",
        "created": None,
        "metric": "rmse",
        "metric_value": 5.1,
        "dataset": "delivery-eta",
        "version_id": "v-42",
        "trigger": "schedule",
        "fairness": None,
        "approved_by": None,
        "approved_at": None,
        "approval_reason": None,
    }
    assert registry.list_packages(sagemaker, GROUP, limit=1)[0]["arn"] == second["arn"]


def test_rejected_candidate_is_not_registered(sagemaker, context):
    event = state(gate={"decision": "reject", "reason": "rmse 13.20 is above the ceiling 12.00"})

    with pytest.raises(RegistrationRefused, match="above the ceiling"):
        handler(event, context)

    assert registry.list_packages(sagemaker, GROUP) == []


def test_unknown_package_is_a_named_error(sagemaker):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/nope/1"

    with pytest.raises(registry.ModelPackageNotFound, match=arn):
        registry.describe_lineage(sagemaker, arn)


def test_a_fair_candidate_is_registered_with_its_bias_report(sagemaker, context):
    # Given a run whose gate judged fairness and passed
    event = state()
    event["gate"]["fairness"] = VERDICT

    # When it is registered
    result = handler(event, context)

    # Then the package carries the bias report and the verdict reads back from its lineage
    package = sagemaker.describe_model_package(ModelPackageName=result["arn"])
    source = {"ContentType": "application/json", "S3Uri": BIAS}
    assert package["ModelMetrics"]["Bias"] == {"Report": source, "PostTrainingReport": source}
    lineage = registry.describe_lineage(sagemaker, result["arn"])
    assert lineage["bias_report_uri"] == BIAS
    assert lineage["fairness"]["decision"] == "pass"
    assert lineage["fairness"]["disparate_impact"] == 0.9291
    assert registry.list_packages(sagemaker, GROUP)[0]["fairness"]["group"] == "applicant_group"
