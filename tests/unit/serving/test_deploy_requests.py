"""The SageMaker requests the deploy function builds (moto validates no shapes)."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from lambdas.deploy.requests import (
    TAG_CHALLENGER,
    TAG_CHAMPION,
    TAG_PREVIOUS_CHAMPION,
    build_deployment_config,
    build_endpoint_config,
    build_model,
    build_tags,
    endpoint_config_name,
    model_name,
)
from lambdas.deploy.settings import EndpointOptions, settings
from lambdas.shared.settings import SettingError

OPTIONS = EndpointOptions(
    project="shadowloop-dev",
    endpoint_name="shadowloop-dev-endpoint",
    model_package_group="shadowloop-dev-models",
    role_arn="arn:aws:iam::123456789012:role/sagemaker",
    capture_bucket="captures",
    kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/abc",
    instance_type="ml.m5.large",
    instance_count=2,
    serverless=False,
    shadow_sampling_percent=50,
    capture_sampling_percent=100,
    rollback_alarms=("endpoint-5xx", "endpoint-latency"),
)
CHAMPION = "arn:aws:sagemaker:us-east-1:123456789012:model-package/shadowloop-dev-models/1"
CHALLENGER = "arn:aws:sagemaker:us-east-1:123456789012:model-package/shadowloop-dev-models/2"


def test_config_with_challenger_holds_champion_shadow_and_capture():
    config = build_endpoint_config(
        name="shadowloop-dev-config-1",
        champion_model="m-champion",
        challenger_model="m-challenger",
        tags=build_tags(champion=CHAMPION, challenger=CHALLENGER, previous_champion=None),
        options=OPTIONS,
    )

    assert config["ProductionVariants"] == [
        {
            "VariantName": "champion",
            "ModelName": "m-champion",
            "InitialVariantWeight": 1.0,
            "InitialInstanceCount": 2,
            "InstanceType": "ml.m5.large",
        }
    ]
    assert config["ShadowProductionVariants"] == [
        {
            "VariantName": "challenger",
            "ModelName": "m-challenger",
            "InitialVariantWeight": 0.5,
            "InitialInstanceCount": 2,
            "InstanceType": "ml.m5.large",
        }
    ]
    assert config["DataCaptureConfig"] == {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": "s3://captures/capture",
        "KmsKeyId": OPTIONS.kms_key_arn,
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "CaptureContentTypeHeader": {
            "JsonContentTypes": ["application/json"],
            "CsvContentTypes": ["text/csv"],
        },
    }
    assert config["KmsKeyId"] == OPTIONS.kms_key_arn
    assert {t["Key"]: t["Value"] for t in config["Tags"]} == {
        TAG_CHAMPION: CHAMPION,
        TAG_CHALLENGER: CHALLENGER,
    }


def test_config_without_challenger_has_no_shadow():
    config = build_endpoint_config(
        name="c", champion_model="m", challenger_model=None, tags=[], options=OPTIONS
    )

    assert "ShadowProductionVariants" not in config
    assert [v["VariantName"] for v in config["ProductionVariants"]] == ["champion"]


def test_serverless_config_has_serverless_variant_and_no_capture():
    options = replace(OPTIONS, serverless=True)

    config = build_endpoint_config(
        name="c", champion_model="m", challenger_model=None, tags=[], options=options
    )

    (variant,) = config["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    assert "InstanceType" not in variant
    assert "DataCaptureConfig" not in config


def test_serverless_config_refuses_a_challenger():
    with pytest.raises(ValueError, match="serverless"):
        build_endpoint_config(
            name="c",
            champion_model="m",
            challenger_model="m2",
            tags=[],
            options=replace(OPTIONS, serverless=True),
        )


def test_champion_change_is_guarded_by_blue_green_and_rollback_alarms():
    deployment = build_deployment_config(OPTIONS, shadow=False)

    assert deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == (
        "ALL_AT_ONCE"
    )
    assert (
        deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["WaitIntervalInSeconds"]
        > 0
    )
    assert deployment["AutoRollbackConfiguration"] == {
        "Alarms": [{"AlarmName": "endpoint-5xx"}, {"AlarmName": "endpoint-latency"}]
    }


def test_shadow_and_serverless_configs_update_without_guardrails():
    assert build_deployment_config(OPTIONS, shadow=True) is None
    assert build_deployment_config(replace(OPTIONS, serverless=True), shadow=False) is None


def test_no_alarms_means_no_auto_rollback_block():
    deployment = build_deployment_config(replace(OPTIONS, rollback_alarms=()), shadow=False)

    assert "AutoRollbackConfiguration" not in deployment


def test_model_request_points_at_the_package():
    request = build_model(
        name="shadowloop-dev-v3-abcd1234", model_package_arn=CHAMPION, role_arn="r"
    )

    assert request["PrimaryContainer"] == {"ModelPackageName": CHAMPION}
    assert request["ExecutionRoleArn"] == "r"


def test_names_carry_project_version_and_time():
    now = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

    assert model_name("shadowloop-dev", 3, "abcd1234") == "shadowloop-dev-v3-abcd1234"
    assert endpoint_config_name("shadowloop-dev", now) == (
        "shadowloop-dev-config-20260102-030405-678901"
    )


def test_previous_champion_is_tagged_for_rollback():
    tags = build_tags(champion=CHALLENGER, challenger=None, previous_champion=CHAMPION)

    assert {t["Key"]: t["Value"] for t in tags} == {
        TAG_CHAMPION: CHALLENGER,
        TAG_PREVIOUS_CHAMPION: CHAMPION,
    }


def test_options_from_environment_reject_a_malformed_alarm_list(monkeypatch):
    env = {
        "PROJECT": "shadowloop-dev",
        "ENDPOINT_NAME": "e",
        "MODEL_PACKAGE_GROUP": "g",
        "SAGEMAKER_ROLE_ARN": "r",
        "CAPTURE_BUCKET": "b",
        "KMS_KEY_ARN": "k",
        "ENDPOINT_INSTANCE_TYPE": "ml.m5.large",
        "ENDPOINT_INSTANCE_COUNT": "1",
        "ENDPOINT_INSTANCE_STORAGE": "false",
        "SERVERLESS": "false",
        "SHADOW_SAMPLING_PERCENT": "100",
        "CAPTURE_SAMPLING_PERCENT": "100",
        "ROLLBACK_ALARMS": '{"not": "a list"}',
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    with pytest.raises(SettingError, match="ROLLBACK_ALARMS"):
        EndpointOptions.from_environment()

    monkeypatch.setenv("ROLLBACK_ALARMS", '["a"]')
    assert settings().rollback_alarms == ("a",)
    assert settings() is settings(), "read once while the environment stays the same"
    monkeypatch.setenv("ROLLBACK_ALARMS", '["b"]')
    assert settings().rollback_alarms == ("b",)
