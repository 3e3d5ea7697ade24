"""Local SageMaker endpoints: real models behind moto, a shadow variant, capture and metrics.

Two real models are trained with ``training/train.py``: the champion on baseline orders,
the challenger on monsoon orders with a much smaller model, so their answers differ.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from infra.config import ROOT, load_from_cdk_json
from lambdas.shared import capture, endpoint_state
from shadowloop.localcloud.endpoint_changes import CHANGE_SECONDS
from shadowloop.localcloud.endpoints import LocalEndpoints
from shadowloop.ops import examples

TRAINING = ROOT / "training"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"
BUCKET = "shadowloop-artifacts"
CAPTURE_BUCKET = "shadowloop-captures"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/capture"
ENDPOINT = "shadowloop-dev"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
SPEC = load_from_cdk_json().model


@dataclass(frozen=True)
class Artifacts:
    champion_model: bytes
    challenger_model: bytes
    sourcedir: bytes


def _tarball(files: dict[str, Path]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, path in sorted(files.items()):
            archive.add(path, arcname=name)
    return buffer.getvalue()


def _start_training(workdir: Path, frame: Any, hyperparameters: list[str]) -> subprocess.Popen:
    """Run train.py as SageMaker would: cwd a copy of training/, SM_* paths, the spec."""
    code, channel = workdir / "code", workdir / "train"
    shutil.copytree(TRAINING, code, ignore=shutil.ignore_patterns("__pycache__"))
    channel.mkdir(parents=True)
    frame.to_csv(channel / "orders.csv", index=False)
    env = {**os.environ, "SM_MODEL_DIR": str(workdir / "model"), "SM_CHANNEL_TRAIN": str(channel)}
    return subprocess.Popen(
        [sys.executable, "train.py", "--model-spec", SPEC.to_json(), *hyperparameters],
        cwd=code,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _model_tarball(workdir: Path, job: subprocess.Popen) -> bytes:
    output, _ = job.communicate(timeout=300)
    assert job.returncode == 0, output.decode()
    return _tarball({p.name: p for p in (workdir / "model").iterdir()})


@pytest.fixture(scope="module")
def data() -> Any:
    return examples


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory, data: Any) -> Artifacts:
    root = tmp_path_factory.mktemp("models")
    # Both jobs run at once; the challenger learns another world with a much smaller model.
    champion = _start_training(
        root / "champion", data.generate("baseline", 1500, 1), ["--n_estimators", "60"]
    )
    challenger = _start_training(
        root / "challenger",
        data.generate("monsoon", 1500, 2),
        ["--n_estimators", "10", "--max_depth", "2"],
    )
    return Artifacts(
        champion_model=_model_tarball(root / "champion", champion),
        challenger_model=_model_tarball(root / "challenger", challenger),
        sourcedir=_tarball({p.name: p for p in TRAINING.glob("*.py")}),
    )


@pytest.fixture(scope="module")
def endpoints_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Shared across tests so each model is extracted once, as the cache intends.
    return tmp_path_factory.mktemp("endpoints")


class Clock:
    """The local cloud's simulated clock, moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def pass_change(self) -> None:
        """Let an endpoint change that started now finish."""
        self.now += timedelta(seconds=CHANGE_SECONDS)


@pytest.fixture
def clock() -> Clock:
    # The endpoint is created one change before NOW, so it serves from NOW on.
    return Clock(NOW - timedelta(seconds=CHANGE_SECONDS))


@pytest.fixture
def aws(endpoints_workdir: Path, clock: Clock) -> Any:
    with mock_aws(), LocalEndpoints(endpoints_workdir, clock=clock) as endpoints:
        yield endpoints


@pytest.fixture
def sagemaker(aws: LocalEndpoints) -> Any:
    return boto3.client("sagemaker", region_name="us-east-1")


@pytest.fixture
def runtime(aws: LocalEndpoints) -> Any:
    return boto3.client("sagemaker-runtime", region_name="us-east-1")


@pytest.fixture
def s3(aws: LocalEndpoints) -> Any:
    client = boto3.client("s3", region_name="us-east-1")
    for bucket in (BUCKET, CAPTURE_BUCKET):
        client.create_bucket(Bucket=bucket)
    return client


def _register(sagemaker: Any, s3: Any, name: str, model: bytes, sourcedir: bytes) -> str:
    """Upload a model, register its package and create a Model from it; returns the ARN."""
    s3.put_object(Bucket=BUCKET, Key=f"runs/{name}/model.tar.gz", Body=model)
    s3.put_object(Bucket=BUCKET, Key=f"code/{name}/sourcedir.tar.gz", Body=sourcedir)
    arn = sagemaker.create_model_package(
        ModelPackageGroupName="shadowloop-dev-models",
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": IMAGE,
                    "ModelDataUrl": f"s3://{BUCKET}/runs/{name}/model.tar.gz",
                    "Environment": {
                        "SAGEMAKER_PROGRAM": "inference.py",
                        "SAGEMAKER_SUBMIT_DIRECTORY": f"s3://{BUCKET}/code/{name}/sourcedir.tar.gz",
                    },
                }
            ],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    sagemaker.create_model(
        ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"ModelPackageName": arn}
    )
    return arn


def _variant(name: str, model_name: str) -> dict[str, Any]:
    return {
        "VariantName": name,
        "ModelName": model_name,
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": 1,
        "InitialVariantWeight": 1.0,
    }


SHADOW = [_variant("challenger", "challenger-model")]
CAPTURE_CONFIG = {
    "EnableCapture": True,
    "InitialSamplingPercentage": 100,
    "DestinationS3Uri": f"s3://{CAPTURE_BUCKET}/capture",
    "KmsKeyId": KMS_KEY,
    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
}


@pytest.fixture
def deployed(sagemaker: Any, s3: Any, artifacts: Artifacts, clock: Clock) -> dict[str, str]:
    """champion in production, challenger in shadow, both captured."""
    sagemaker.create_model_package_group(ModelPackageGroupName="shadowloop-dev-models")
    champion = _register(
        sagemaker, s3, "champion-model", artifacts.champion_model, artifacts.sourcedir
    )
    challenger = _register(
        sagemaker, s3, "challenger-model", artifacts.challenger_model, artifacts.sourcedir
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="config-1",
        ProductionVariants=[_variant("champion", "champion-model")],
        ShadowProductionVariants=SHADOW,
        DataCaptureConfig=CAPTURE_CONFIG,
    )
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="config-1")
    clock.pass_change()
    assert sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointStatus"] == "InService"
    return {"champion": champion, "challenger": challenger}


def _orders(data: Any, rows: int = 20, seed: int = 7) -> tuple[list[dict[str, Any]], np.ndarray]:
    frame = data.generate("baseline", rows, seed)
    instances = json.loads(frame[SPEC.feature_names].to_json(orient="records"))
    return instances, frame[SPEC.target].to_numpy()


def _invoke(runtime: Any, instances: list[dict[str, Any]], batch_id: str = "batch-1") -> Any:
    ids = [f"{batch_id}-{i}" for i in range(len(instances))]
    return runtime.invoke_endpoint(
        EndpointName=ENDPOINT,
        Body=json.dumps({"instances": instances, "inference_ids": ids}),
        ContentType="application/json",
        Accept="application/json",
        InferenceId=batch_id,
    )


def _captured(s3: Any, variant: str) -> list[tuple[str, dict[str, Any]]]:
    """(key, line) of every capture line of one variant."""
    prefix = capture.variant_prefix(ENDPOINT, variant)
    listing = s3.list_objects_v2(Bucket=CAPTURE_BUCKET, Prefix=prefix).get("Contents", [])
    lines = []
    for item in listing:
        body = s3.get_object(Bucket=CAPTURE_BUCKET, Key=item["Key"])["Body"].read()
        lines.extend((item["Key"], json.loads(line)) for line in body.splitlines() if line)
    return lines


# -- serving ------------------------------------------------------------------------------


def test_champion_answers_with_real_predictions(deployed, runtime, data):
    instances, actual = _orders(data)

    response = _invoke(runtime, instances)

    body = json.loads(response["Body"].read())
    predictions = np.array(body["predictions"])
    assert response["InvokedProductionVariant"] == "champion"
    assert response["ContentType"] == "application/json"
    assert body["inference_ids"] == [f"batch-1-{i}" for i in range(len(instances))]
    assert predictions.shape == actual.shape
    assert np.sqrt(np.mean((predictions - actual) ** 2)) < 8.0


def test_both_variants_are_captured_with_their_own_outputs(deployed, runtime, s3, data):
    # Given a champion and a challenger in shadow, with capture on
    instances, _ = _orders(data, rows=5)

    # When one batch is predicted
    response = _invoke(runtime, instances, batch_id="batch-9")
    answered = json.loads(response["Body"].read())["predictions"]

    # Then each variant has one capture line under its own prefix, at the clock's hour
    champion, challenger = _captured(s3, "champion"), _captured(s3, "challenger")
    assert len(champion) == len(challenger) == 1
    for key, line in champion + challenger:
        assert "/2030/01/02/03/" in key and key.endswith(".jsonl")
        assert line["eventMetadata"]["inferenceId"] == "batch-9"
        assert line["eventMetadata"]["inferenceTime"].startswith("2030-01-02T03:04:05")
    champion_records = capture.parse_line(json.dumps(champion[0][1]))
    challenger_records = capture.parse_line(json.dumps(challenger[0][1]))
    ids = [f"batch-9-{i}" for i in range(5)]
    assert [r.inference_id for r in champion_records] == ids
    assert [r.inference_id for r in challenger_records] == ids
    assert [r.features for r in challenger_records] == instances
    # And each holds its own model's output: the champion's is what the caller got
    assert [r.output for r in champion_records] == answered
    assert [r.output for r in challenger_records] != answered


def test_capture_is_encrypted_with_the_configured_key(deployed, runtime, s3, data):
    _invoke(runtime, _orders(data, rows=1)[0])

    key = _captured(s3, "champion")[0][0]
    head = s3.head_object(Bucket=CAPTURE_BUCKET, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == KMS_KEY


def test_capture_honours_the_sampling_percentage(sagemaker, s3, deployed, runtime, data, clock):
    sagemaker.create_endpoint_config(
        EndpointConfigName="config-sampled",
        ProductionVariants=[_variant("champion", "champion-model")],
        DataCaptureConfig={**CAPTURE_CONFIG, "InitialSamplingPercentage": 0},
    )
    sagemaker.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName="config-sampled")
    clock.pass_change()

    _invoke(runtime, _orders(data, rows=1)[0])

    assert _captured(s3, "champion") == []


def test_shadow_failure_never_reaches_the_caller(sagemaker, s3, deployed, runtime, data):
    # Given a challenger whose model artifact is gone
    s3.delete_object(Bucket=BUCKET, Key="runs/challenger-model/model.tar.gz")
    instances, _ = _orders(data, rows=2)

    # When a batch is predicted, the champion still answers
    response = _invoke(runtime, instances)

    assert response["InvokedProductionVariant"] == "champion"
    assert len(json.loads(response["Body"].read())["predictions"]) == 2
    assert _captured(s3, "challenger") == []
    assert len(_captured(s3, "champion")) == 1


# -- errors -------------------------------------------------------------------------------


def test_bad_input_is_a_model_error_naming_the_feature(deployed, runtime, data):
    instances, _ = _orders(data, rows=1)
    del instances[0]["distance_km"]

    with pytest.raises(ClientError) as raised:
        _invoke(runtime, instances)

    error = raised.value.response
    assert error["Error"]["Code"] == "ModelError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error["OriginalStatusCode"] == 400
    assert "distance_km" in error["Error"]["Message"]


def test_unknown_endpoint_is_a_validation_error(runtime):
    with pytest.raises(ClientError) as raised:
        runtime.invoke_endpoint(EndpointName="nowhere", Body=b"{}", ContentType="application/json")

    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"] == "Endpoint nowhere of account 123456789012 not found."


# -- metrics ------------------------------------------------------------------------------


def _metric_sum(name: str, variant: str) -> float:
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    datapoints = cloudwatch.get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName=name,
        Dimensions=[
            {"Name": "EndpointName", "Value": ENDPOINT},
            {"Name": "VariantName", "Value": variant},
        ],
        StartTime=NOW - timedelta(minutes=5),
        EndTime=NOW + timedelta(minutes=5),
        Period=600,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(d["Sum"] for d in datapoints)


def test_each_variant_that_ran_reports_invocations_errors_and_latency(deployed, runtime, data):
    instances, _ = _orders(data, rows=2)
    _invoke(runtime, instances)
    del instances[0]["hour"]
    with pytest.raises(ClientError):
        _invoke(runtime, instances)

    for variant in ("champion", "challenger"):
        assert _metric_sum("Invocations", variant) == 2
        assert _metric_sum("Invocation4XXErrors", variant) == 1
        assert _metric_sum("Invocation5XXErrors", variant) == 0
        assert _metric_sum("ModelLatency", variant) > 0


# -- shadow variants and update_endpoint ----------------------------------------------------


def test_describe_endpoint_config_returns_the_shadow_variant(deployed, sagemaker):
    described = sagemaker.describe_endpoint_config(EndpointConfigName="config-1")

    assert described["ShadowProductionVariants"] == SHADOW
    state = endpoint_state.describe(sagemaker, ENDPOINT)
    assert state.champion.model_package_arn == deployed["champion"]
    assert state.challenger.model_package_arn == deployed["challenger"]


def test_a_shadow_needs_exactly_one_production_variant(deployed, sagemaker):
    with pytest.raises(ClientError) as raised:
        sagemaker.create_endpoint_config(
            EndpointConfigName="config-two",
            ProductionVariants=[
                _variant("champion", "champion-model"),
                _variant("b", "champion-model"),
            ],
            ShadowProductionVariants=SHADOW,
        )

    assert "exactly one production variant" in raised.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        sagemaker.describe_endpoint_config(EndpointConfigName="config-two")


def test_update_endpoint_serves_the_old_config_until_the_new_one_is_in_service(
    deployed, sagemaker, runtime, s3, data, clock
):
    # Given the champion's and the challenger's answers to a batch
    instances, _ = _orders(data, rows=3)
    champion_answer = json.loads(_invoke(runtime, instances)["Body"].read())["predictions"]
    shadow_answer = capture.parse_line(json.dumps(_captured(s3, "challenger")[0][1]))

    # When a new config promotes the challenger's model to the champion variant
    sagemaker.create_endpoint_config(
        EndpointConfigName="config-2", ProductionVariants=[_variant("champion", "challenger-model")]
    )
    sagemaker.update_endpoint(
        EndpointName=ENDPOINT,
        EndpointConfigName="config-2",
        DeploymentConfig={
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
            }
        },
    )

    # Then, while it is Updating, the old config answers and the new one is pending
    updating = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    assert updating["EndpointStatus"] == "Updating"
    assert updating["EndpointConfigName"] == "config-1"
    assert updating["PendingDeploymentSummary"]["EndpointConfigName"] == "config-2"
    assert json.loads(_invoke(runtime, instances)["Body"].read())["predictions"] == champion_answer

    # When the update's time has passed
    clock.pass_change()

    # Then the endpoint serves the new config, the old one still exists
    endpoint = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointConfigName"] == "config-2"
    assert endpoint["EndpointStatus"] == "InService"
    assert "FailureReason" not in endpoint and "PendingDeploymentSummary" not in endpoint
    assert endpoint["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]
    assert sagemaker.describe_endpoint_config(EndpointConfigName="config-1")
    # And the champion variant now answers with the former challenger's predictions
    response = _invoke(runtime, instances)
    assert json.loads(response["Body"].read())["predictions"] == [r.output for r in shadow_answer]
    assert endpoint_state.describe(sagemaker, ENDPOINT).challenger is None


def _error(raised: pytest.ExceptionInfo) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def test_update_and_delete_are_refused_while_an_update_is_in_progress(deployed, sagemaker, clock):
    # Given an update in progress
    sagemaker.create_endpoint_config(
        EndpointConfigName="config-2", ProductionVariants=[_variant("champion", "challenger-model")]
    )
    sagemaker.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName="config-2")

    # Then another update and a delete are refused, as SageMaker refuses them
    with pytest.raises(ClientError) as updated:
        sagemaker.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName="config-1")
    with pytest.raises(ClientError) as deleted:
        sagemaker.delete_endpoint(EndpointName=ENDPOINT)
    for raised in (updated, deleted):
        code, message = _error(raised)
        assert code == "ValidationException"
        assert message.startswith("Cannot update in-progress endpoint")
    assert sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointStatus"] == "Updating"

    # When the update is done, the delete goes through, and the endpoint is gone
    clock.pass_change()
    sagemaker.delete_endpoint(EndpointName=ENDPOINT)
    with pytest.raises(ClientError) as gone:
        sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    assert "Could not find endpoint" in _error(gone)[1]


def test_a_new_endpoint_is_creating_serves_nothing_and_cannot_be_deleted_yet(
    deployed, sagemaker, runtime, data, clock
):
    sagemaker.create_endpoint(EndpointName="second", EndpointConfigName="config-1")

    assert sagemaker.describe_endpoint(EndpointName="second")["EndpointStatus"] == "Creating"
    listed = {
        e["EndpointName"]: e["EndpointStatus"] for e in sagemaker.list_endpoints()["Endpoints"]
    }
    assert listed == {"second": "Creating", ENDPOINT: "InService"}
    with pytest.raises(ClientError) as deleted:
        sagemaker.delete_endpoint(EndpointName="second")
    assert _error(deleted)[1].startswith("Cannot update in-progress endpoint")
    with pytest.raises(ClientError):
        runtime.invoke_endpoint(EndpointName="second", Body=b"{}", ContentType="application/json")

    clock.pass_change()
    assert sagemaker.describe_endpoint(EndpointName="second")["EndpointStatus"] == "InService"


def _broken_model(sagemaker: Any, s3: Any, artifacts: Artifacts) -> str:
    """A model whose artifact is not a model archive: its container cannot load it."""
    _register(sagemaker, s3, "broken-model", b"not a tarball", artifacts.sourcedir)
    return "broken-model"


def test_an_update_whose_model_cannot_load_falls_back_to_the_old_config(
    deployed, sagemaker, runtime, s3, data, artifacts, clock
):
    # Given a champion serving, and a new config whose shadow model's artifact cannot load
    instances, _ = _orders(data, rows=3)
    before = json.loads(_invoke(runtime, instances)["Body"].read())["predictions"]
    sagemaker.create_endpoint_config(
        EndpointConfigName="config-broken",
        ProductionVariants=[_variant("champion", "champion-model")],
        ShadowProductionVariants=[_variant("challenger", _broken_model(sagemaker, s3, artifacts))],
    )

    # When the endpoint is updated to it and the update's time passes
    sagemaker.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName="config-broken")
    clock.pass_change()

    # Then the endpoint is InService on its old config, with the container's failure as reason
    endpoint = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == "config-1"
    assert "shadow production variant challenger" in endpoint["FailureReason"]
    assert "broken-model" in endpoint["FailureReason"] or "tar" in endpoint["FailureReason"]
    # And the champion still answers as before
    assert json.loads(_invoke(runtime, instances)["Body"].read())["predictions"] == before


def test_a_new_endpoint_whose_model_cannot_load_fails_and_can_only_be_deleted(
    deployed, sagemaker, s3, artifacts, clock
):
    sagemaker.create_endpoint_config(
        EndpointConfigName="config-broken",
        ProductionVariants=[_variant("champion", _broken_model(sagemaker, s3, artifacts))],
    )
    sagemaker.create_endpoint(EndpointName="broken", EndpointConfigName="config-broken")
    clock.pass_change()

    endpoint = sagemaker.describe_endpoint(EndpointName="broken")
    assert endpoint["EndpointStatus"] == "Failed"
    assert (
        "production variant champion did not pass the ping health check"
        in (endpoint["FailureReason"])
    )
    with pytest.raises(ClientError) as updated:
        sagemaker.update_endpoint(EndpointName="broken", EndpointConfigName="config-1")
    assert _error(updated)[1].startswith("Cannot update failed endpoint")
    sagemaker.delete_endpoint(EndpointName="broken")


def test_update_endpoint_to_a_missing_config_is_refused(deployed, sagemaker):
    with pytest.raises(ClientError) as raised:
        sagemaker.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName="missing")

    assert "Could not find endpoint configuration" in raised.value.response["Error"]["Message"]
    assert sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == "config-1"


def test_cloudformation_endpoint_config_keeps_the_shadow_variant(deployed, aws):
    template = {
        "Resources": {
            "Config": {
                "Type": "AWS::SageMaker::EndpointConfig",
                "Properties": {
                    "ProductionVariants": [_variant("champion", "champion-model")],
                    "ShadowProductionVariants": SHADOW,
                },
            }
        }
    }
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(StackName="serving", TemplateBody=json.dumps(template))
    name = cloudformation.describe_stack_resources(StackName="serving")["StackResources"][0][
        "PhysicalResourceId"
    ].split("/")[-1]

    described = boto3.client("sagemaker", region_name="us-east-1").describe_endpoint_config(
        EndpointConfigName=name
    )
    assert described["ShadowProductionVariants"] == SHADOW


# -- the moto internals the patches rely on -------------------------------------------------


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_moto_still_has_the_patched_methods_with_their_signatures():
    assert _parameters(SageMakerModelBackend.create_endpoint_config) == [
        "self",
        "endpoint_config_name",
        "production_variants",
        "data_capture_config",
        "async_inference_config",
        "tags",
        "kms_key_id",
    ]
    assert _parameters(SageMakerModelBackend.create_endpoint) == [
        "self",
        "endpoint_name",
        "endpoint_config_name",
        "tags",
    ]
    assert _parameters(FakeEndpointConfig.create_from_cloudformation_json) == [
        "resource_name",
        "cloudformation_json",
        "account_id",
        "region_name",
        "kwargs",
    ]
    assert _parameters(FakeEndpoint._process_production_variants) == ["self", "production_variants"]
    assert _parameters(SageMakerModelBackend.describe_endpoint) == ["self", "endpoint_name"]
    assert _parameters(SageMakerModelBackend.delete_endpoint) == ["self", "endpoint_name"]
    assert _parameters(SageMakerModelBackend.list_endpoints)[0] == "self"
    assert _parameters(SageMakerResponse.create_endpoint_config) == ["self"]
    assert _parameters(SageMakerRuntimeResponse.invoke_endpoint) == ["self"]


def test_moto_still_lacks_update_endpoint():
    # If moto implements it, its version should be compared with ours before replacing it.
    assert not hasattr(SageMakerModelBackend, "update_endpoint")
    assert not hasattr(SageMakerResponse, "update_endpoint")


def test_uninstall_restores_moto(tmp_path):
    before = {
        (owner, name): owner.__dict__[name]
        for owner, name in [
            (SageMakerModelBackend, "create_endpoint_config"),
            (SageMakerModelBackend, "create_endpoint"),
            (SageMakerModelBackend, "describe_endpoint"),
            (SageMakerModelBackend, "list_endpoints"),
            (SageMakerModelBackend, "delete_endpoint"),
            (FakeEndpointConfig, "create_from_cloudformation_json"),
            (SageMakerResponse, "create_endpoint_config"),
            (SageMakerRuntimeResponse, "invoke_endpoint"),
        ]
    }

    with LocalEndpoints(tmp_path):
        assert hasattr(SageMakerModelBackend, "update_endpoint")

    assert {key: key[0].__dict__[key[1]] for key in before} == before
    assert not hasattr(SageMakerResponse, "update_endpoint")


def test_only_one_installation_at_a_time(tmp_path):
    with LocalEndpoints(tmp_path), pytest.raises(RuntimeError, match="already installed"):
        LocalEndpoints(tmp_path).install()
