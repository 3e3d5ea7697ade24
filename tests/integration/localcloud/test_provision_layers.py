"""Deploying a template whose layers come from SSM parameters, as CloudFormation would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shadowloop.localcloud.provision import Provisioner
from shadowloop.localcloud.template import Stack, TemplateError

POWERTOOLS_3_37 = "/aws/service/powertools/python/arm64/python3.11/3.37.0"


def _template(layer: Any, parameter_name: str = POWERTOOLS_3_37) -> dict[str, Any]:
    return {
        "Parameters": {
            "PowertoolsLayer": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": parameter_name,
            },
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            },
        },
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17"}},
            },
            "Api": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": "api",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Handler": "lambdas.api.handler.handler",
                    "Code": {"ZipFile": "def handler(event, context): pass"},
                    "Layers": [layer],
                },
            },
        },
    }


def _deploy(template: dict[str, Any], tmp_path: Path) -> Any:
    provisioner = Provisioner(region="us-east-1", assembly_dir=tmp_path, session=boto3.Session())
    return provisioner.deploy([Stack("layers", template, {})])


@mock_aws
def test_a_layer_parameter_resolves_to_the_release_it_names(tmp_path: Path) -> None:
    deployment = _deploy(_template({"Ref": "PowertoolsLayer"}), tmp_path)

    (layer,) = deployment.function("api").layers
    assert layer.startswith("arn:aws:lambda:us-east-1:017000801446:layer:")
    assert layer.split(":")[-2] == "AWSLambdaPowertoolsPythonV3-python311-arm64"


@mock_aws
def test_a_parameter_that_was_never_published_fails_the_deployment(tmp_path: Path) -> None:
    # Powertools never published the 3.23.0 parameter (its issue 7689).
    template = _template(
        {"Ref": "PowertoolsLayer"}, "/aws/service/powertools/python/arm64/python3.11/3.23.0"
    )

    with pytest.raises(TemplateError, match="python3.11/3.23.0 does not exist in us-east-1"):
        _deploy(template, tmp_path)


@mock_aws
def test_a_layer_the_local_cloud_cannot_vouch_for_fails_the_deployment(tmp_path: Path) -> None:
    unknown = "arn:aws:lambda:us-east-1:111122223333:layer:SomethingElse:1"

    with pytest.raises(TemplateError, match="layer .*SomethingElse:1 is not one the local cloud"):
        _deploy(_template(unknown), tmp_path)
