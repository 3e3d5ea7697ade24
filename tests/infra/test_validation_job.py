"""The size Choice, the validation processing job's request and the grants it needs."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from lambdas.shared.contracts import steps
from lambdas.shared.contracts import validation_job as vj
from tests.infra.conftest import Synthesized


def test_a_snapshot_over_the_threshold_goes_to_the_job_the_rest_to_validate_data(
    synthesized: Synthesized, definition: dict[str, Any]
) -> None:
    states = definition["States"]
    assert states["PinDataset"]["Next"] == "LargeDataset?"
    choice = states["LargeDataset?"]
    assert choice["Choices"] == [
        {
            "Variable": steps.PIN_DATASET.path("size_bytes"),
            "NumericGreaterThan": synthesized.config.compute.lambda_dataset_max_bytes,
            "Next": "StartValidation",
        }
    ]
    assert choice["Default"] == "ValidateData"
    # Both paths meet at ResolveChampion, the job's after its outcome is read
    assert states["ValidateData"]["Next"] == "ResolveChampion"
    (completed,) = [
        c for c in states["ValidationDone?"]["Choices"] if c.get("StringEquals") == "Completed"
    ]
    assert completed["Next"] == "FetchValidationOutcome"
    assert states["UseJobBaseline"]["Next"] == "ResolveChampion"


def test_the_jobs_outcome_fails_the_run_as_validate_data_does_or_stands_in_for_both_lambdas(
    definition: dict[str, Any],
) -> None:
    states = definition["States"]
    fetch = states["FetchValidationOutcome"]
    assert fetch["ResultSelector"]["outcome.$"] == "States.StringToJson($.ExitMessage)"
    valid = states[fetch["Next"]]
    assert valid["Choices"] == [
        {"Variable": "$.validation.outcome.error", "IsPresent": True, "Next": "DatasetInvalid"}
    ]
    invalid = states["DatasetInvalid"]
    assert invalid["Parameters"] == {
        "Error": "DatasetInvalid",
        "Cause.$": "$.validation.outcome.cause",
    }
    assert (invalid["ResultPath"], invalid["Next"]) == ("$.error", "NotifyFailed")
    # The state ValidateData would leave: the pinned snapshot's fields, the job's row count
    data = states[valid["Default"]]
    assert data["ResultPath"] == steps.VALIDATE_DATA.result_path
    assert set(data["Parameters"]) == {f"{k}.$" for k in steps.VALIDATE_DATA.kept}
    assert data["Parameters"]["rows.$"] == "$.validation.outcome.rows"
    assert data["Parameters"]["snapshot_uri.$"] == "$.snapshot.snapshot_uri"
    baseline = states[data["Next"]]
    assert baseline["ResultPath"] == steps.COMPUTE_BASELINE.result_path
    assert baseline["Parameters"]["uri.$"].endswith(
        "/runs/{}/baseline/statistics.json', $$.Execution.Name)"
    )
    # And after the gate, a baseline already there is not computed again
    computed = states["BaselineComputed?"]
    assert computed["Choices"] == [
        {"Variable": "$.baseline", "IsPresent": True, "Next": "Register"}
    ]
    assert computed["Default"] == "ComputeBaseline"


def test_validation_job_request(definition: dict[str, Any]) -> None:
    start = definition["States"]["StartValidation"]
    assert start["Resource"].endswith(":states:::aws-sdk:sagemaker:createProcessingJob")
    request = start["Parameters"]
    assert request["ProcessingJobName.$"] == (
        "States.Format('{}-validate-{}', $$.Execution.Name, $$.Execution.RedriveCount)"
    )
    app = request["AppSpecification"]
    assert f"python3 -m {vj.ENTRY_MODULE}" in app["ContainerEntrypoint"][2]
    arguments = app["ContainerArguments.$"]
    assert arguments.startswith("States.Array('--run-id', $$.Execution.Name, '--dataset', ")
    assert "'--version-id', $.snapshot.version_id" in arguments
    assert "'--message', '/opt/ml/output/message'" in arguments
    inputs = {i["InputName"]: i["S3Input"] for i in request["ProcessingInputs"]}
    assert set(inputs) == {"code", "spec", "data"}
    assert inputs["data"]["S3Uri.$"] == "$.snapshot.snapshot_uri"
    assert inputs["code"]["LocalPath"] == vj.CODE_DIR
    outputs = {o["OutputName"]: o["S3Output"] for o in request["ProcessingOutputConfig"]["Outputs"]}
    assert outputs["report"]["LocalPath"] == vj.REPORT_DIR
    assert outputs["report"]["S3Uri.$"].endswith("/reports/validation/{}/', $.snapshot.dataset)")
    assert outputs["baseline"]["S3Uri.$"].endswith("/runs/{}/baseline', $$.Execution.Name)")


def test_the_sagemaker_role_may_write_validation_reports_and_read_the_job_code(
    synthesized: Synthesized,
) -> None:
    data = synthesized.template("data")
    data.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": "s3:PutObject",
                            "Effect": "Allow",
                            "Resource": {
                                "Fn::Join": [
                                    "",
                                    [
                                        Match.object_like({"Fn::GetAtt": Match.any_value()}),
                                        "/reports/validation/*/*",
                                    ],
                                ]
                            },
                        }
                    ]
                )
            },
            "Roles": Match.array_with(
                [Match.object_like({"Ref": Match.string_like_regexp("SageMakerRole")})]
            ),
        },
    )
    # And SageMaker may list the job's code object, the functions' zipped package
    data.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "s3:ListBucket",
                                "Condition": {
                                    "StringEquals": {
                                        "s3:prefix": Match.array_with(
                                            [Match.string_like_regexp(r"^[0-9a-f]{64}\.zip$")]
                                        )
                                    }
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


def test_pin_dataset_writes_only_snapshots(synthesized: Synthesized) -> None:
    pipeline = synthesized.template("pipeline")
    (function,) = pipeline.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "lambdas.pin_dataset.handler.handler"}}
    ).values()
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = pipeline.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role}]}}
    ).values()
    writes = [
        statement["Resource"]
        for policy in policies
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "s3:PutObject"
    ]
    assert len(writes) == 1
    assert writes[0]["Fn::Join"][1][-1] == "/snapshots/*"
