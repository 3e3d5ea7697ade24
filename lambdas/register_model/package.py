"""Register: a candidate that passed the gate becomes a Model Registry package with its lineage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdas.shared import registry, s3uri
from lambdas.shared.contracts import steps
from lambdas.shared.settings import ModelSpec

CONTENT_TYPES = ["application/json", "text/csv"]
RESPONSE_TYPES = ["application/json"]
# training/modelfiles.py ships the inference code in model.tar.gz under code/; SageMaker
# extracts the model to /opt/ml/model. The package then needs no other object to start.
SUBMIT_DIRECTORY = "/opt/ml/model/code"
# ModelPackageDescription's limit.
MAX_DESCRIPTION = 1024


class RegistrationRefused(Exception):
    """The run's results are incomplete or say the candidate must not be registered."""


@dataclass(frozen=True)
class RegistrySettings:
    group: str
    approval_status: str
    image_uri: str
    code_version: str
    data_bucket: str
    instance_type: str | None = None


@dataclass(frozen=True)
class Candidate:
    """What the run knows about the model it trained, gathered from the state machine's state."""

    run_id: str
    trigger: str
    dataset: str
    version_id: str
    dataset_uri: str
    snapshot_uri: str
    validation_report_uri: str | None
    model_data_url: str
    training_job: str
    metric: str
    metric_value: float
    champion_metric_value: float | None
    champion_model_package_arn: str | None
    evaluation_uri: str
    baseline_uri: str
    calibration_uri: str | None
    bias_report_uri: str | None = None
    fairness: str | None = None
    """The gate's fairness verdict, compact (registry.fairness_property)."""

    @classmethod
    def from_event(cls, event: dict[str, Any], spec: ModelSpec, data_bucket: str) -> Candidate:
        """Gather the candidate; refuse one that did not complete training or pass the gate."""
        status = _field(event, "training", "TrainingJobStatus")
        if status != "Completed":
            raise RegistrationRefused(f"training job is {status!r}, not 'Completed'")
        gate = _field(event, "gate")
        if gate.get("decision") != "pass":
            raise RegistrationRefused(f"the gate did not pass the candidate: {gate.get('reason')}")
        model_data_url = _field(event, "training", "ModelArtifacts", "S3ModelArtifacts")
        dataset = _field(event, "data", "dataset")
        data = event["data"]
        champion = event.get("champion") or {}
        evaluation_uri = _field(event, "evaluation_uri")
        return cls(
            run_id=_field(event, "run_id"),
            trigger=_field(event, "trigger"),
            dataset=dataset,
            version_id=_field(event, "data", "version_id"),
            dataset_uri=_field(event, "data", "source_uri"),
            snapshot_uri=_field(event, "data", "snapshot_uri"),
            validation_report_uri=data.get("report_uri"),
            model_data_url=model_data_url,
            training_job=training_job_of(model_data_url),
            metric=gate.get("metric") or spec.metric,
            metric_value=_number(_field(event, "gate", "candidate"), "gate.candidate"),
            champion_metric_value=None
            if gate.get("champion") is None
            else _number(gate["champion"], "gate.champion"),
            champion_model_package_arn=champion.get("model_package_arn"),
            evaluation_uri=evaluation_uri,
            baseline_uri=_field(event, "baseline", "uri"),
            # Only a classifier has probabilities to calibrate.
            calibration_uri=registry.calibration_uri(evaluation_uri)
            if spec.task == "classification"
            else None,
            bias_report_uri=(gate.get("fairness") or {}).get("bias_report_uri"),
            fairness=registry.fairness_property(gate.get("fairness")),
        )

    def lineage(self) -> dict[str, str]:
        """The package's CustomerMetadataProperties, all strings."""
        properties = {name: registry.as_property(getattr(self, name)) for name in _LINEAGE_FIELDS}
        too_long = [n for n, v in properties.items() if len(v) > registry.MAX_PROPERTY_LENGTH]
        if too_long:
            raise RegistrationRefused(
                f"lineage {too_long[0]!r} is longer than {registry.MAX_PROPERTY_LENGTH} characters"
            )
        return properties


# Lineage held by the candidate; code_version comes from the settings.
_LINEAGE_FIELDS = tuple(name for name in registry.LINEAGE_PROPERTIES if name != "code_version")


def build_model_package_request(candidate: Candidate, settings: RegistrySettings) -> dict[str, Any]:
    """The CreateModelPackage request for a candidate (pure; moto validates no shapes)."""
    inference: dict[str, Any] = {
        "Containers": [
            {
                "Image": settings.image_uri,
                "ModelDataUrl": candidate.model_data_url,
                "Environment": {
                    "SAGEMAKER_PROGRAM": "inference.py",
                    "SAGEMAKER_SUBMIT_DIRECTORY": SUBMIT_DIRECTORY,
                    "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
                },
            }
        ],
        "SupportedContentTypes": CONTENT_TYPES,
        "SupportedResponseMIMETypes": RESPONSE_TYPES,
    }
    if settings.instance_type:
        inference["SupportedRealtimeInferenceInstanceTypes"] = [settings.instance_type]
    lineage = candidate.lineage()
    lineage["code_version"] = registry.as_property(settings.code_version)
    return {
        "ModelPackageGroupName": settings.group,
        "ModelPackageDescription": describe(candidate),
        "InferenceSpecification": inference,
        "ModelMetrics": {
            "ModelQuality": {
                "Statistics": {"ContentType": "application/json", "S3Uri": candidate.evaluation_uri}
            },
            "ModelDataQuality": {
                "Statistics": {"ContentType": "application/json", "S3Uri": candidate.baseline_uri}
            },
            **_bias(candidate),
        },
        "ModelApprovalStatus": settings.approval_status,
        "CustomerMetadataProperties": {name: lineage[name] for name in registry.LINEAGE_PROPERTIES},
    }


def _bias(candidate: Candidate) -> dict[str, Any]:
    """The fairness figures of the candidate on the holdout: a post-training bias report."""
    if candidate.bias_report_uri is None:
        return {}
    source = {"ContentType": "application/json", "S3Uri": candidate.bias_report_uri}
    return {"Bias": {"Report": source, "PostTrainingReport": source}}


def describe(candidate: Candidate) -> str:
    """A one-line description a person reads in the registry console."""
    text = (
        f"{candidate.trigger} run {candidate.run_id}: {candidate.metric} "
        f"{candidate.metric_value:g} on dataset {candidate.dataset} "
        f"version {candidate.version_id}"
    )
    return text[:MAX_DESCRIPTION]


def register_model(
    sagemaker: Any, *, event: dict[str, Any], spec: ModelSpec, settings: RegistrySettings
) -> dict[str, Any]:
    """Create the package; the answer is the state machine's ``$.model_package``."""
    candidate = Candidate.from_event(event, spec, settings.data_bucket)
    arn = sagemaker.create_model_package(**build_model_package_request(candidate, settings))[
        "ModelPackageArn"
    ]
    package = sagemaker.describe_model_package(ModelPackageName=arn)
    return steps.REGISTER.answer(
        arn=arn,
        version=package.get("ModelPackageVersion"),
        approval_status=package.get("ModelApprovalStatus", settings.approval_status),
    )


def training_job_of(model_data_url: str) -> str:
    """The job name in ``.../{job}/output/model.tar.gz``, as SageMaker lays artifacts out."""
    _, key = s3uri.parse(model_data_url)
    parts = key.split("/")
    if "output" in parts[1:]:
        return parts[parts.index("output", 1) - 1]
    return registry.ABSENT


def _field(event: Any, *path: str) -> Any:
    value = event
    for depth, name in enumerate(path):
        if not isinstance(value, dict) or value.get(name) is None:
            raise RegistrationRefused(f"the run's state has no {'.'.join(path[: depth + 1])!r}")
        value = value[name]
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RegistrationRefused(f"the run's {where!r} is not a number: {value!r}")
    return float(value)
