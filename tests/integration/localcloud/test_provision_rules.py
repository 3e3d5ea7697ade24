"""What CloudFormation and API Gateway refuse at deploy time, refused by the local provisioner."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra.config import ROOT, load_from_cdk_json
from shadowloop.localcloud.cloud import prepare_account, synthesize
from shadowloop.localcloud.provision import Provisioner
from shadowloop.localcloud.template import TemplateError, load_assembly


@pytest.fixture(scope="module")
def assembly() -> Path:
    return synthesize(load_from_cdk_json(), ROOT / ".shadowloop" / "assembly")


def _deploy(assembly: Path, region: str) -> None:
    session = boto3.Session(region_name=region)
    Provisioner(region=region, assembly_dir=assembly, session=session).deploy(
        load_assembly(assembly)
    )


def test_a_region_without_the_sklearn_image_is_refused_before_anything_is_created(assembly):
    with mock_aws():
        with pytest.raises(TemplateError, match="scikit-learn 1.9-0 image is not published"):
            _deploy(assembly, "mx-central-1")

        assert boto3.client("kms", region_name="mx-central-1").list_keys()["Keys"] == []


def test_stage_logging_needs_the_account_cloudwatch_role(assembly):
    # Given an account whose API Gateway has no CloudWatch role (the stacks set none)
    with mock_aws(), pytest.raises(TemplateError, match="CloudWatch Logs role ARN must be set"):
        _deploy(assembly, "us-east-1")


def test_the_stacks_leave_the_account_cloudwatch_role_alone(assembly):
    with mock_aws():
        # Given the README's one-time step: the account names its own role
        session = boto3.Session(region_name="us-east-1")
        prepare_account(session, "us-east-1")
        before = session.client("apigateway").get_account()["cloudwatchRoleArn"]

        _deploy(assembly, "us-east-1")

        assert session.client("apigateway").get_account()["cloudwatchRoleArn"] == before
