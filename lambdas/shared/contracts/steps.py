"""Each pipeline step: the payload the state machine sends and the result it keeps.

A Lambda step answers exactly ``result`` keys; the state machine keeps ``kept`` of them
(``$.Payload.{key}``) at ``result_path``. Payload values starting with ``$`` are JSONPaths
into the execution state (``$$.`` the context object); any other value is a literal, and
:data:`EVALUATION_URI` stands for the run's ``evaluation.json`` URI, which the state
machine formats from the run id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lambdas.shared.contracts import run_input

RUN_ID = "$$.Execution.Name"
DATASET = run_input.path(run_input.DATASET)
VERSION_ID = run_input.path(run_input.VERSION_ID)
TRIGGER = run_input.path(run_input.TRIGGER)
# Where a run keeps SNS's error when its notice could not be sent ({Error, Cause}).
NOTIFICATION_ERROR = "$.notification_error"
# Formatted by the state machine: s3://{artifacts}/runs/{run_id}/evaluation/evaluation.json.
EVALUATION_URI = "<evaluation_uri>"


@dataclass(frozen=True)
class Step:
    """One Lambda step of the state machine."""

    state: str
    payload: dict[str, str]
    result_path: str
    kept: tuple[str, ...] | None
    """The fields kept; None keeps the whole answer under ``response``."""
    extra: tuple[str, ...] = field(default=())
    """Fields the handler answers that the state machine does not keep (logged, written)."""

    @property
    def result(self) -> tuple[str, ...]:
        """Every key the handler answers."""
        return (*(self.kept or ()), *self.extra)

    def path(self, key: str) -> str:
        """The JSONPath of a kept field in the execution state."""
        if self.kept is None:
            return f"{self.result_path}.response.{key}"
        if key not in self.kept:
            raise KeyError(f"{self.state} keeps no {key!r}")
        return f"{self.result_path}.{key}"

    def answer(self, **values: object) -> dict[str, object]:
        """The handler's result dict, refusing a missing or unknown key."""
        if set(values) != set(self.result):
            wrong = sorted(set(values) ^ set(self.result))
            raise KeyError(f"{self.state} answers {self.result}, not {wrong[0]!r}")
        return {key: values[key] for key in self.result}


PREPARE_RETRAINING_DATA = Step(
    state="PrepareRetrainingData",
    payload={
        "run_id": RUN_ID,
        "dataset": DATASET,
        "trigger": TRIGGER,
    },
    result_path="$.retraining",
    kept=("version_id",),
    extra=(
        "base_version_id",
        "base",
        "rows",
        "captured_rows",
        "mode",
        "since",
        "sources",
        "skipped",
        "records_skipped",
    ),
)
# Resolves and pins the version first: the state machine chooses by the snapshot's size.
PIN_DATASET = Step(
    state="PinDataset",
    payload={
        "run_id": RUN_ID,
        "dataset": DATASET,
        "version_id": VERSION_ID,
    },
    result_path="$.snapshot",
    kept=("dataset", "version_id", "source_uri", "snapshot_uri", "report_uri", "size_bytes"),
)
VALIDATE_DATA = Step(
    state="ValidateData",
    payload={
        "run_id": RUN_ID,
        "dataset": DATASET,
        "version_id": PIN_DATASET.path("version_id"),
    },
    result_path="$.data",
    kept=("dataset", "version_id", "source_uri", "snapshot_uri", "report_uri", "rows"),
)
RESOLVE_CHAMPION = Step(
    state="ResolveChampion",
    payload={"run_id": RUN_ID},
    result_path="$.champion",
    kept=("model_package_arn", "model_data_url", "uri", "holdout_uri"),
)
GATE = Step(
    state="Gate",
    payload={"run_id": RUN_ID, "trigger": TRIGGER, "evaluation_uri": EVALUATION_URI},
    result_path="$.gate",
    kept=("decision", "reason", "metric", "candidate", "champion", "champion_holdout", "fairness"),
)
COMPUTE_BASELINE = Step(
    state="ComputeBaseline",
    payload={"run_id": RUN_ID, "snapshot_uri": VALIDATE_DATA.path("snapshot_uri")},
    result_path="$.baseline",
    kept=("uri",),
)
REGISTER = Step(
    state="Register",
    payload={
        "run_id": RUN_ID,
        "trigger": TRIGGER,
        "data": VALIDATE_DATA.result_path,
        "training": "$.training",
        "gate": GATE.result_path,
        "baseline": COMPUTE_BASELINE.result_path,
        "champion": RESOLVE_CHAMPION.result_path,
        "evaluation_uri": EVALUATION_URI,
    },
    result_path="$.model_package",
    kept=("arn", "version", "approval_status"),
)
DEPLOY = Step(
    state="Deploy",
    payload={"action": "deploy", "model_package_arn": REGISTER.path("arn")},
    result_path="$.deployment",
    kept=None,
)
# The deploy function's describe always answers failure_reason (null when none).
DESCRIBE_FAILED_DEPLOYMENT = Step(
    state="DescribeFailedDeployment",
    payload={"action": "describe"},
    result_path="$.endpoint_failure",
    kept=("failure_reason",),
)
LAMBDA_STEPS = (
    PREPARE_RETRAINING_DATA,
    PIN_DATASET,
    VALIDATE_DATA,
    RESOLVE_CHAMPION,
    GATE,
    COMPUTE_BASELINE,
    REGISTER,
    DEPLOY,
    DESCRIBE_FAILED_DEPLOYMENT,
)
# Where PrepareRetrainingData's new version replaces the run input's version_id.
RUN_VERSION_ID = VERSION_ID
# The endpoint config Deploy asked for, which the run waits for.
DEPLOYED_CONFIG = DEPLOY.path("endpoint_config_name")


@dataclass(frozen=True)
class Job:
    """A SageMaker job's states: what each describe keeps, and where."""

    label: str
    status_field: str
    result_path: str
    arn_field: str
    artifacts: dict[str, str] | None = None

    @property
    def start_path(self) -> str:
        return f"{self.result_path}_job"

    @property
    def failure_path(self) -> str:
        return f"{self.result_path}_failure"

    def status_selector(self) -> dict[str, str]:
        return {f"{self.status_field}.$": f"$.{self.status_field}"}


TRAINING = Job(
    label="Training",
    status_field="TrainingJobStatus",
    result_path="$.training",
    arn_field="TrainingJobArn",
    artifacts={"ModelArtifacts": "S3ModelArtifacts"},
)
EVALUATION = Job(
    label="Evaluation",
    status_field="ProcessingJobStatus",
    result_path="$.evaluation",
    arn_field="ProcessingJobArn",
)
# A snapshot too large for ValidateData: validated and summarised by a processing job
# (lambdas.shared.contracts.validation_job), whose outcome is its ExitMessage.
VALIDATION = Job(
    label="Validation",
    status_field="ProcessingJobStatus",
    result_path="$.validation",
    arn_field="ProcessingJobArn",
)
# DescribeDeployment keeps these fields of DescribeEndpoint at this path.
ENDPOINT_PATH = "$.endpoint"
ENDPOINT_FIELDS = ("EndpointStatus", "EndpointConfigName")
