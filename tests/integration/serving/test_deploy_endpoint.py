"""The deploy function against moto: what the endpoint, its configs and the registry hold."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from itertools import count

import boto3
import pytest
from moto import mock_aws
from moto.core.responses import ActionResult
from moto.sagemaker.responses import SageMakerResponse

from lambdas.deploy.actions import (
    Context,
    EndpointBusy,
    InvalidDeployRequest,
    NothingToPromote,
    NothingToRollBack,
)
from lambdas.deploy.custom_resource import on_event
from lambdas.deploy.events import handle_event
from lambdas.deploy.requests import TAG_PREVIOUS_CHAMPION
from lambdas.deploy.settings import EndpointOptions

GROUP = "shadowloop-dev-models"
OPTIONS = EndpointOptions(
    project="shadowloop-dev",
    endpoint_name="shadowloop-dev-endpoint",
    model_package_group=GROUP,
    role_arn="arn:aws:iam::123456789012:role/sagemaker",
    capture_bucket="captures",
    kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/abc",
    instance_type="ml.m5.large",
    instance_count=1,
    serverless=False,
    shadow_sampling_percent=100,
    capture_sampling_percent=100,
    rollback_alarms=("shadowloop-dev-endpoint-5xx",),
)


@pytest.fixture
def sagemaker():
    with mock_aws():
        client = boto3.client("sagemaker", region_name="us-east-1")
        client.create_model_package_group(ModelPackageGroupName=GROUP)
        yield client


@pytest.fixture
def moto_gaps(monkeypatch):
    """moto drops shadow variants and lacks UpdateEndpoint: keep the one, fake the other."""
    original_create = SageMakerResponse.create_endpoint_config

    def create_endpoint_config(self):
        result = original_create(self)
        config = self.sagemaker_backend.endpoint_configs[self._get_param("EndpointConfigName")]
        config.shadow_production_variants = self._get_param("ShadowProductionVariants")
        return result

    def update_endpoint(self):
        endpoint = self.sagemaker_backend.endpoints[self._get_param("EndpointName")]
        endpoint.endpoint_config_name = self._get_param("EndpointConfigName")
        return ActionResult({"EndpointArn": endpoint.arn})

    monkeypatch.setattr(SageMakerResponse, "create_endpoint_config", create_endpoint_config)
    monkeypatch.setattr(SageMakerResponse, "update_endpoint", update_endpoint, raising=False)


def register(sagemaker, group: str = GROUP) -> str:
    """A model package in the registry, as the pipeline's Register step leaves it."""
    return sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": "sklearn:1.9", "ModelDataUrl": "s3://artifacts/model.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]


def context(sagemaker, options: EndpointOptions = OPTIONS) -> Context:
    suffixes = count()
    return Context(sagemaker=sagemaker, options=options, suffix=lambda: f"{next(suffixes):08x}")


def served(sagemaker) -> dict[str, str | None]:
    """The packages the endpoint's current config serves, by variant, read back from moto."""
    endpoint = sagemaker.describe_endpoint(EndpointName=OPTIONS.endpoint_name)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    variants = config["ProductionVariants"] + config.get("ShadowProductionVariants", [])
    return {
        v["VariantName"]: sagemaker.describe_model(ModelName=v["ModelName"])["PrimaryContainer"][
            "ModelPackageName"
        ]
        for v in variants
    }


def current_tags(sagemaker) -> dict[str, str]:
    endpoint = sagemaker.describe_endpoint(EndpointName=OPTIONS.endpoint_name)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    tags = sagemaker.list_tags(ResourceArn=config["EndpointConfigArn"])["Tags"]
    return {t["Key"]: t["Value"] for t in tags}


def approval(sagemaker, arn: str) -> str:
    return sagemaker.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"]


def test_first_candidate_creates_the_endpoint_as_champion(sagemaker):
    first = register(sagemaker)

    result = handle_event(context(sagemaker), {"action": "deploy", "model_package_arn": first})

    assert result["operation"] == "create"
    assert result["champion"] == first and result["challenger"] is None
    assert served(sagemaker) == {"champion": first}
    config = sagemaker.describe_endpoint_config(EndpointConfigName=result["endpoint_config_name"])
    assert config["DataCaptureConfig"]["DestinationS3Uri"] == "s3://captures/capture"
    assert config["DataCaptureConfig"]["EnableCapture"] is True
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    assert config["KmsKeyId"] == OPTIONS.kms_key_arn


def test_next_candidate_runs_as_challenger_beside_the_champion(sagemaker, moto_gaps):
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})

    result = handle_event(ctx, {"action": "deploy", "model_package_arn": second})

    assert result["operation"] == "update"
    assert (result["champion"], result["challenger"]) == (first, second)
    assert served(sagemaker) == {"champion": first, "challenger": second}
    endpoint = sagemaker.describe_endpoint(EndpointName=OPTIONS.endpoint_name)
    assert endpoint["EndpointConfigName"] == result["endpoint_config_name"]


def test_a_newer_candidate_replaces_the_challenger(sagemaker, moto_gaps):
    ctx = context(sagemaker)
    first, second, third = register(sagemaker), register(sagemaker), register(sagemaker)
    for arn in (first, second, third):
        handle_event(ctx, {"action": "deploy", "model_package_arn": arn})

    assert served(sagemaker) == {"champion": first, "challenger": third}


def test_promote_makes_the_challenger_champion_and_approves_it(sagemaker, moto_gaps):
    # Given a champion with a challenger in shadow
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})
    handle_event(ctx, {"action": "deploy", "model_package_arn": second})

    # When the challenger is promoted
    result = handle_event(ctx, {"action": "promote"})

    # Then it serves alone, is Approved, and the config remembers the old champion
    assert (result["champion"], result["challenger"]) == (second, None)
    assert served(sagemaker) == {"champion": second}
    assert approval(sagemaker, second) == "Approved"
    assert current_tags(sagemaker)[TAG_PREVIOUS_CHAMPION] == first


def test_promote_reuses_the_challengers_model(sagemaker, moto_gaps):
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})
    handle_event(ctx, {"action": "deploy", "model_package_arn": second})

    handle_event(ctx, {"action": "promote"})

    models = sagemaker.list_models()["Models"]
    assert sorted(m["ModelName"] for m in models) == [
        "shadowloop-dev-v1-00000000",
        "shadowloop-dev-v2-00000001",
    ]


def test_retire_drops_the_challenger_and_rejects_it(sagemaker, moto_gaps):
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})
    handle_event(ctx, {"action": "deploy", "model_package_arn": second})

    result = handle_event(ctx, {"action": "retire"})

    assert (result["champion"], result["challenger"]) == (first, None)
    assert served(sagemaker) == {"champion": first}
    assert approval(sagemaker, second) == "Rejected"
    assert approval(sagemaker, first) == "PendingManualApproval"


def test_rollback_restores_the_previous_champion(sagemaker, moto_gaps):
    # Given a promotion of the second package over the first
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})
    handle_event(ctx, {"action": "deploy", "model_package_arn": second})
    handle_event(ctx, {"action": "promote"})

    # When it is rolled back
    result = handle_event(ctx, {"action": "rollback"})

    # Then the first package serves again, and a second rollback could undo this one
    assert result["champion"] == first
    assert served(sagemaker) == {"champion": first}
    assert current_tags(sagemaker)[TAG_PREVIOUS_CHAMPION] == second


def test_retire_keeps_what_a_rollback_restores(sagemaker, moto_gaps):
    ctx = context(sagemaker)
    first, second, third = register(sagemaker), register(sagemaker), register(sagemaker)
    for arn in (first, second):
        handle_event(ctx, {"action": "deploy", "model_package_arn": arn})
    handle_event(ctx, {"action": "promote"})
    handle_event(ctx, {"action": "deploy", "model_package_arn": third})

    handle_event(ctx, {"action": "retire"})

    assert current_tags(sagemaker)[TAG_PREVIOUS_CHAMPION] == first


def test_nothing_to_promote_or_roll_back_is_a_clear_error(sagemaker):
    ctx = context(sagemaker)
    with pytest.raises(NothingToPromote, match="does not exist"):
        handle_event(ctx, {"action": "promote"})
    handle_event(ctx, {"action": "deploy", "model_package_arn": register(sagemaker)})

    with pytest.raises(NothingToPromote, match="no challenger"):
        handle_event(ctx, {"action": "promote"})
    with pytest.raises(NothingToRollBack, match="no previous champion"):
        handle_event(ctx, {"action": "rollback"})


def test_a_busy_endpoint_refuses_changes(sagemaker):
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})
    _set_endpoint_status("Updating")

    with pytest.raises(EndpointBusy, match="Updating"):
        handle_event(ctx, {"action": "deploy", "model_package_arn": second})

    assert served(sagemaker) == {"champion": first}


def test_redeploying_a_served_package_changes_nothing(sagemaker):
    ctx = context(sagemaker)
    first = register(sagemaker)
    created = handle_event(ctx, {"action": "deploy", "model_package_arn": first})

    result = handle_event(ctx, {"action": "deploy", "model_package_arn": first})

    assert result["operation"] == "unchanged"
    assert result["endpoint_config_name"] == created["endpoint_config_name"]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"action": "launch"}, "action: 'launch' is not one of"),
        ({"action": "deploy"}, "model_package_arn: missing"),
        ({"action": "deploy", "model_package_arn": "nope"}, "is not a package ARN"),
        (
            {
                "action": "deploy",
                "model_package_arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/"
                f"{GROUP}/9",
            },
            "not found",
        ),
        (["deploy"], "expected a JSON object"),
    ],
)
def test_bad_requests_name_what_is_wrong(sagemaker, event, message):
    with pytest.raises(InvalidDeployRequest, match=message) as error:
        handle_event(context(sagemaker), event)

    assert "\n" not in str(error.value)


def test_a_package_from_another_group_is_refused(sagemaker):
    sagemaker.create_model_package_group(ModelPackageGroupName="other-models")
    foreign = register(sagemaker, group="other-models")

    with pytest.raises(InvalidDeployRequest, match="belongs to group other-models"):
        handle_event(context(sagemaker), {"action": "deploy", "model_package_arn": foreign})


def test_describe_reports_the_current_state_without_changes(sagemaker, moto_gaps):
    ctx = context(sagemaker)
    assert handle_event(ctx, {"action": "describe"})["status"] == "NotFound"
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})
    deployed = handle_event(ctx, {"action": "deploy", "model_package_arn": second})

    result = handle_event(ctx, {"action": "describe"})

    assert result == {**deployed, "operation": "none", "status": "InService"}


def test_serverless_candidate_replaces_the_champion(sagemaker, moto_gaps):
    ctx = context(sagemaker, replace(OPTIONS, serverless=True))
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})

    result = handle_event(ctx, {"action": "deploy", "model_package_arn": second})

    assert (result["champion"], result["challenger"]) == (second, None)
    assert served(sagemaker) == {"champion": second}
    assert current_tags(sagemaker)[TAG_PREVIOUS_CHAMPION] == first


def test_custom_resource_create_deploys_the_initial_champion_and_challenger(sagemaker, moto_gaps):
    first, second = register(sagemaker), register(sagemaker)
    event = {
        "RequestType": "Create",
        "ResourceProperties": {
            "ChampionModelPackageArn": first,
            "ChallengerModelPackageArn": second,
        },
    }

    result = handle_event(context(sagemaker), event)

    assert result["PhysicalResourceId"] == OPTIONS.endpoint_name
    assert result["Data"]["Champion"] == first and result["Data"]["Challenger"] == second
    assert served(sagemaker) == {"champion": first, "challenger": second}


def test_custom_resource_without_packages_deploys_nothing(sagemaker):
    result = on_event(context(sagemaker), {"RequestType": "Create", "ResourceProperties": {}})

    assert result["PhysicalResourceId"] == OPTIONS.endpoint_name
    assert result["Data"]["Champion"] == ""
    assert sagemaker.list_endpoints()["Endpoints"] == []


def test_custom_resource_update_with_same_packages_keeps_a_promoted_champion(sagemaker, moto_gaps):
    # Given an endpoint whose configured champion has since been replaced by a promotion
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    properties = {"ChampionModelPackageArn": first}
    on_event(ctx, {"RequestType": "Create", "ResourceProperties": properties})
    handle_event(ctx, {"action": "deploy", "model_package_arn": second})
    handle_event(ctx, {"action": "promote"})

    # When the stack updates without changing the configured packages
    on_event(
        ctx,
        {
            "RequestType": "Update",
            "PhysicalResourceId": OPTIONS.endpoint_name,
            "ResourceProperties": {**properties, "ServiceToken": "new"},
            "OldResourceProperties": {**properties, "ServiceToken": "old"},
        },
    )

    # Then the promoted champion still serves
    assert served(sagemaker) == {"champion": second}


def test_custom_resource_delete_removes_endpoint_configs_and_our_models(sagemaker, moto_gaps):
    # Given a deployed endpoint and a model this function did not create
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})
    handle_event(ctx, {"action": "deploy", "model_package_arn": second})
    sagemaker.create_model(
        ModelName="someone-elses-model",
        ExecutionRoleArn=OPTIONS.role_arn,
        PrimaryContainer={"ModelPackageName": first},
    )

    # When the stack deletes the resource (twice: deletes are retried)
    event = {"RequestType": "Delete", "PhysicalResourceId": OPTIONS.endpoint_name}
    on_event(ctx, event)
    result = on_event(ctx, event)

    # Then only what this function created is gone
    assert result == {"PhysicalResourceId": OPTIONS.endpoint_name}
    assert sagemaker.list_endpoints()["Endpoints"] == []
    assert sagemaker.list_endpoint_configs()["EndpointConfigs"] == []
    assert [m["ModelName"] for m in sagemaker.list_models()["Models"]] == ["someone-elses-model"]


@dataclass
class FakeLambdaContext:
    function_name: str = "deploy"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:deploy"
    aws_request_id: str = "request-1"


def test_handler_reads_its_settings_from_the_environment(sagemaker, monkeypatch):
    from lambdas.deploy.handler import handler

    environment = {
        "PROJECT": OPTIONS.project,
        "ENDPOINT_NAME": OPTIONS.endpoint_name,
        "MODEL_PACKAGE_GROUP": GROUP,
        "SAGEMAKER_ROLE_ARN": OPTIONS.role_arn,
        "CAPTURE_BUCKET": OPTIONS.capture_bucket,
        "KMS_KEY_ARN": OPTIONS.kms_key_arn,
        "ENDPOINT_INSTANCE_TYPE": "ml.m5.large",
        "ENDPOINT_INSTANCE_COUNT": "1",
        "ENDPOINT_INSTANCE_STORAGE": "false",
        "SERVERLESS": "false",
        "SHADOW_SAMPLING_PERCENT": "100",
        "CAPTURE_SAMPLING_PERCENT": "50",
        "ROLLBACK_ALARMS": json.dumps(list(OPTIONS.rollback_alarms)),
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    first = register(sagemaker)

    result = handler({"action": "deploy", "model_package_arn": first}, FakeLambdaContext())

    assert served(sagemaker) == {"champion": first}
    config = sagemaker.describe_endpoint_config(EndpointConfigName=result["endpoint_config_name"])
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 50


def _set_endpoint_status(status: str) -> None:
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends["123456789012"]["us-east-1"]
    backend.endpoints[OPTIONS.endpoint_name].endpoint_status = status


def test_guarded_update_falls_back_to_plain_when_refused(sagemaker, moto_gaps, monkeypatch):
    """A champion change asks for guardrails; if SageMaker refuses them it still lands."""
    refused = []
    fake_update = SageMakerResponse.update_endpoint

    def picky_update(self):
        if self._get_param("DeploymentConfig"):
            refused.append(self._get_param("EndpointConfigName"))
            from moto.sagemaker.exceptions import ValidationError

            raise ValidationError("DeploymentConfig is not supported for this endpoint")
        return fake_update(self)

    monkeypatch.setattr(SageMakerResponse, "update_endpoint", picky_update)
    ctx = context(sagemaker)
    first, second = register(sagemaker), register(sagemaker)
    handle_event(ctx, {"action": "deploy", "model_package_arn": first})
    handle_event(ctx, {"action": "deploy", "model_package_arn": second})

    result = handle_event(ctx, {"action": "promote"})

    assert served(sagemaker) == {"champion": second}
    assert refused == [result["endpoint_config_name"]]
