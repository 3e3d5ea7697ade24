"""The pipeline state machine's definition: the flow, retries, catches and job requests."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from infra.constructs import training_pipeline, transient_errors
from lambdas.shared.contracts import layout, steps
from tests.infra.conftest import Synthesized, exported, logical_id

TASKS = (
    "PrepareRetrainingData",
    "PinDataset",
    "ValidateData",
    "StartValidation",
    "DescribeValidation",
    "FetchValidationOutcome",
    "DescribeFailedValidation",
    "ResolveChampion",
    "StartTraining",
    "DescribeTraining",
    "FetchTrainingArtifacts",
    "DescribeFailedTraining",
    "StartEvaluation",
    "DescribeEvaluation",
    "DescribeFailedEvaluation",
    "Gate",
    "ComputeBaseline",
    "Register",
    "Deploy",
    "DescribeDeployment",
    "DescribeFailedDeployment",
    "NotifySucceeded",
    "NotifyRejected",
)
NOTICES = ("NotifySucceeded", "NotifyRejected")


def _service_of(state: dict[str, Any]) -> tuple[str, ...]:
    resource = state["Resource"]
    if ":sns:" in resource:
        return transient_errors.SNS
    return transient_errors.SAGEMAKER if "sagemaker" in resource else transient_errors.LAMBDA


def test_every_task_retries_its_service_transient_errors_and_catches_into_notify_failed(
    definition: dict[str, Any],
) -> None:
    states = definition["States"]
    for name in TASKS:
        state = states[name]
        assert state["Type"] == "Task", name
        retry, *others = state["Retry"]
        # Only Deploy also waits out a busy endpoint (see the e2e tests).
        assert [r["ErrorEquals"] for r in others] == (
            [["EndpointBusy"]] if name == "Deploy" else []
        )
        assert retry == {
            "ErrorEquals": list(_service_of(state)),
            "IntervalSeconds": 2,
            "BackoffRate": 2,
            "MaxAttempts": 3,
            "MaxDelaySeconds": 30,
            "JitterStrategy": "FULL",
        }, name
        if name in NOTICES:
            continue
        assert state["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailed"}
        ], name
    assert states["NotifyFailed"]["Next"] == "Failed"
    assert states["Failed"]["Type"] == "Fail"


def test_a_notice_that_cannot_be_sent_keeps_the_outcome_and_records_the_error(
    definition: dict[str, Any],
) -> None:
    states = definition["States"]
    for name, end in (
        *((n, n.removeprefix("Notify")) for n in NOTICES),
        ("NotifyFailed", "Failed"),
    ):
        state = states[name]
        assert state["Retry"][0]["ErrorEquals"] == list(transient_errors.SNS), name
        assert state["Next"] == end
        assert state["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": steps.NOTIFICATION_ERROR, "Next": end}
        ], name
    assert (states["Succeeded"]["Type"], states["Rejected"]["Type"]) == ("Succeed", "Succeed")


def test_drift_and_quality_runs_prepare_retraining_data_first(definition: dict[str, Any]) -> None:
    states = definition["States"]
    assert definition["StartAt"] == "Retraining?"
    start = states["Retraining?"]
    assert start["Choices"] == [
        {
            "Or": [
                {"Variable": "$.trigger", "StringEquals": "drift"},
                {"Variable": "$.trigger", "StringEquals": "quality"},
            ],
            "Next": "PrepareRetrainingData",
        }
    ]
    assert start["Default"] == "PinDataset"
    prepare = states["PrepareRetrainingData"]
    assert prepare["ResultPath"] == "$.retraining"
    assert prepare["ResultSelector"] == {"version_id.$": "$.Payload.version_id"}
    use_version = states[prepare["Next"]]
    assert (use_version["Type"], use_version["InputPath"], use_version["ResultPath"]) == (
        "Pass",
        "$.retraining.version_id",
        "$.version_id",
    )
    assert use_version["Next"] == "PinDataset"


def test_lambda_steps_send_explicit_payloads_and_keep_selected_results(
    synthesized: Synthesized, definition: dict[str, Any]
) -> None:
    states = definition["States"]
    validate = states["ValidateData"]
    assert validate["Parameters"]["Payload"] == {
        "run_id.$": "$$.Execution.Name",
        "dataset.$": "$.dataset",
        "version_id.$": "$.snapshot.version_id",
    }
    assert validate["ResultPath"] == "$.data"
    assert set(validate["ResultSelector"]) == {
        f"{k}.$"
        for k in ("dataset", "version_id", "source_uri", "snapshot_uri", "report_uri", "rows")
    }
    gate = states["Gate"]["Parameters"]["Payload"]
    assert gate["evaluation_uri.$"].startswith("States.Format('s3://<Import:")
    assert gate["evaluation_uri.$"].endswith(
        "/runs/{}/evaluation/evaluation.json', $$.Execution.Name)"
    )
    register = states["Register"]
    assert register["ResultPath"] == "$.model_package"
    assert {"data.$", "training.$", "gate.$", "baseline.$", "champion.$"} <= set(
        register["Parameters"]["Payload"]
    )
    deploy = states["Deploy"]["Parameters"]
    assert deploy["Payload"] == {"action": "deploy", "model_package_arn.$": "$.model_package.arn"}
    stack, value = exported(synthesized, deploy["FunctionName"])
    function = logical_id(
        synthesized, stack, "AWS::Lambda::Function", Handler="lambdas.deploy.handler.handler"
    )
    assert (stack, value) == (
        f"{synthesized.config.prefix}-serving",
        {"Fn::GetAtt": [function, "Arn"]},
    )


def test_training_job_request(synthesized: Synthesized, definition: dict[str, Any]) -> None:
    config = synthesized.config
    start = definition["States"]["StartTraining"]
    assert start["Resource"].endswith(":states:::aws-sdk:sagemaker:createTrainingJob")
    request = start["Parameters"]
    assert request["TrainingJobName.$"] == (
        "States.Format('{}-train-{}', $$.Execution.Name, $$.Execution.RedriveCount)"
    )
    assert request["AlgorithmSpecification"] == {
        "TrainingImage": "<Map:SklearnImage>",
        "TrainingInputMode": "File",
    }
    hyperparameters = request["HyperParameters"]
    assert hyperparameters["sagemaker_program"] == "train.py"
    assert hyperparameters["sagemaker_submit_directory"].startswith("s3://")
    # The spec travels as a file input, never in a size-limited request field.
    assert "model-spec" not in hyperparameters
    for name, value in config.model.hyperparameters.items():
        assert hyperparameters[name] == str(value)
    assert all(isinstance(v, str) for v in hyperparameters.values())
    channels = {
        c["ChannelName"]: c["DataSource"]["S3DataSource"] for c in request["InputDataConfig"]
    }
    assert set(channels) == {"train", "spec"}
    assert channels["train"]["S3Uri.$"] == "$.data.snapshot_uri"
    assert channels["spec"]["S3Uri"].startswith("s3://")
    assert request["ResourceConfig"]["InstanceType"] == config.compute.training_instance_type
    assert request["StoppingCondition"] == {
        "MaxRuntimeInSeconds": config.compute.max_runtime_seconds
    }
    assert request["OutputDataConfig"]["S3OutputPath.$"].endswith(
        "/runs/{}/training', $$.Execution.Name)"
    )
    assert start["ResultSelector"] == {"TrainingJobArn.$": "$.TrainingJobArn"}


def test_training_poll_loop_describes_before_waiting(
    synthesized: Synthesized, definition: dict[str, Any]
) -> None:
    states = definition["States"]
    assert states["StartTraining"]["Next"] == "DescribeTraining"
    describe = states["DescribeTraining"]
    assert describe["ResultSelector"] == {"TrainingJobStatus.$": "$.TrainingJobStatus"}
    done = states[describe["Next"]]
    assert done["Type"] == "Choice"
    nexts = {
        json.dumps({k: v for k, v in choice.items() if k != "Next"}, sort_keys=True): choice["Next"]
        for choice in done["Choices"]
    }
    assert "FetchTrainingArtifacts" in nexts.values()
    assert "DescribeFailedTraining" in nexts.values()
    assert nexts[
        json.dumps({"StringEquals": "Stopped", "Variable": "$.training.TrainingJobStatus"})
    ] == ("TrainingStopped")
    wait = states[done["Default"]]
    assert wait == {
        "Type": "Wait",
        "Seconds": synthesized.config.compute.poll_seconds,
        "Next": "DescribeTraining",
    }
    fetch = states["FetchTrainingArtifacts"]
    assert fetch["ResultSelector"]["ModelArtifacts"] == {
        "S3ModelArtifacts.$": "$.ModelArtifacts.S3ModelArtifacts"
    }
    assert fetch["Next"] == "StartEvaluation"
    failure = states[states["DescribeFailedTraining"]["Next"]]
    assert failure["Parameters"]["Error"] == "TrainingFailed"
    assert failure["ResultPath"] == "$.error"
    assert failure["Next"] == "NotifyFailed"


def test_evaluation_processing_job_request(
    synthesized: Synthesized, definition: dict[str, Any]
) -> None:
    start = definition["States"]["StartEvaluation"]
    assert start["Resource"].endswith(":states:::aws-sdk:sagemaker:createProcessingJob")
    request = start["Parameters"]
    assert request["ProcessingJobName.$"] == (
        "States.Format('{}-evaluate-{}', $$.Execution.Name, $$.Execution.RedriveCount)"
    )
    app = request["AppSpecification"]
    assert app["ContainerEntrypoint"][:2] == ["/bin/sh", "-c"]
    assert "python3 evaluate.py" in app["ContainerEntrypoint"][2]
    arguments = app["ContainerArguments"]
    options = dict(zip(arguments[::2], arguments[1::2], strict=True))
    assert options == {
        "--spec": "/opt/ml/processing/input/spec",
        "--candidate": "/opt/ml/processing/input/candidate",
        "--champion": "/opt/ml/processing/input/champion",
        "--champion_data": "/opt/ml/processing/input/champion_data",
        "--data": "/opt/ml/processing/input/data",
        "--output": "/opt/ml/processing/output/evaluation",
    }
    inputs = {i["InputName"]: i["S3Input"] for i in request["ProcessingInputs"]}
    assert set(inputs) == {"code", "spec", "candidate", "champion", "champion_data", "data"}
    assert inputs["candidate"]["S3Uri.$"] == "$.training.ModelArtifacts.S3ModelArtifacts"
    assert inputs["champion"]["S3Uri.$"] == "$.champion.uri"
    assert inputs["champion_data"]["S3Uri.$"] == "$.champion.holdout_uri"
    assert inputs["data"]["S3Uri.$"] == "$.data.snapshot_uri"
    assert inputs["code"]["LocalPath"] == "/opt/ml/processing/input/code"
    (output,) = request["ProcessingOutputConfig"]["Outputs"]
    assert output["OutputName"] == "evaluation"
    assert output["S3Output"]["S3Uri.$"].endswith("/runs/{}/evaluation', $$.Execution.Name)")
    assert definition["States"]["DescribeEvaluation"]["Next"] == "EvaluationDone?"


def test_gate_decides_between_register_and_deploy_or_rejection(definition: dict[str, Any]) -> None:
    states = definition["States"]
    passed = states[states["Gate"]["Next"]]
    assert passed["Choices"] == [
        {"Variable": "$.gate.decision", "StringEquals": "pass", "Next": "BaselineComputed?"}
    ]
    assert passed["Default"] == "NotifyRejected"
    path, state = [], "ComputeBaseline"
    while "Next" in states[state]:
        path.append(state)
        state = states[state]["Next"]
    assert path == ["ComputeBaseline", "Register", "Deploy", "DescribeDeployment"]
    done = states[states["DescribeDeployment"]["Next"]]
    assert done["Choices"][0]["Next"] == "NotifySucceeded"
    assert states[done["Default"]]["Next"] == "DescribeDeployment"
    state = states["NotifySucceeded"]["Next"]
    assert states[state]["Type"] == "Succeed"
    assert states[states["NotifyRejected"]["Next"]]["Type"] == "Succeed"
    succeeded = states["NotifySucceeded"]["Parameters"]
    assert json.loads(json.dumps(succeeded["Message"]))["status"] == "succeeded"
    failed = states["NotifyFailed"]["Parameters"]["Message"]
    assert failed["reason.$"] == "$.error.Cause"


def test_state_machine_is_standard_logged_traced_and_named(synthesized: Synthesized) -> None:
    (machine,) = synthesized.resources("pipeline", "AWS::StepFunctions::StateMachine").values()
    props = machine["Properties"]
    assert props["StateMachineName"] == f"{synthesized.config.prefix}-pipeline"
    assert props["StateMachineType"] == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == "ALL"


def _payload(step: steps.Step, synthesized: dict[str, Any]) -> dict[str, Any]:
    """What steps.py says the state sends, in the synthesized definition's terms."""
    expected: dict[str, Any] = {}
    for key, source in step.payload.items():
        if source == steps.EVALUATION_URI:
            expected[f"{key}.$"] = synthesized[f"{key}.$"]
            assert synthesized[f"{key}.$"].endswith(
                f"/{layout.evaluation_key('{}')}', $$.Execution.Name)"
            )
        elif source.startswith("$"):
            expected[f"{key}.$"] = source
        else:
            expected[key] = source
    return expected


def test_lambda_steps_are_what_the_contract_says(definition: dict[str, Any]) -> None:
    states = definition["States"]
    for step in steps.LAMBDA_STEPS:
        state = states[step.state]
        payload = state["Parameters"]["Payload"]
        assert payload == _payload(step, payload), step.state
        assert state["ResultPath"] == step.result_path, step.state
        kept = step.kept
        selector = (
            {f"{k}.$": f"$.Payload.{k}" for k in kept}
            if kept is not None
            else {"response.$": "$.Payload"}
        )
        assert state["ResultSelector"] == selector, step.state


def test_job_states_keep_what_the_contract_says(definition: dict[str, Any]) -> None:
    states = definition["States"]
    for job in (steps.TRAINING, steps.EVALUATION, steps.VALIDATION):
        describe = states[f"Describe{job.label}"]
        assert describe["ResultSelector"] == job.status_selector()
        assert describe["ResultPath"] == job.result_path
        assert states[f"Start{job.label}"]["ResultPath"] == job.start_path
        assert states[f"DescribeFailed{job.label}"]["ResultPath"] == job.failure_path
    fetch = states["FetchTrainingArtifacts"]["ResultSelector"]
    assert fetch["ModelArtifacts"] == {"S3ModelArtifacts.$": "$.ModelArtifacts.S3ModelArtifacts"}
    assert states["DescribeDeployment"]["ResultPath"] == steps.ENDPOINT_PATH


def test_no_function_in_the_pipeline_construct_is_over_60_lines() -> None:
    source = Path(training_pipeline.__file__).read_text()
    long = [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 60
    ]
    assert not long
