"""Endpoint instance types with local NVMe storage take no volume KmsKeyId.

SageMaker refuses CreateEndpointConfig with a KmsKeyId when a variant's instance type
has local instance storage; the local cloud refuses it the same way.
"""

from __future__ import annotations

import json
from dataclasses import replace
from itertools import count
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.config import CONTEXT_KEY, ROOT, ConfigError, load_config
from infra.instance_storage import TABLE, build_table, has_instance_storage
from lambdas.deploy.actions import Context, deploy_candidate
from shadowloop.localcloud.endpoints import LocalEndpoints
from tests.integration.serving.test_deploy_endpoint import GROUP, OPTIONS, register

NVME = "ml.m5d.large"


@pytest.fixture
def sagemaker(tmp_path: Path):
    with mock_aws(), LocalEndpoints(tmp_path):
        client = boto3.client("sagemaker", region_name="us-east-1")
        client.create_model_package_group(ModelPackageGroupName=GROUP)
        yield client


def _context(sagemaker, **changes) -> Context:
    suffixes = count()
    return Context(
        sagemaker=sagemaker,
        options=replace(OPTIONS, **changes),
        suffix=lambda: f"{next(suffixes):08x}",
    )


def test_a_volume_key_on_an_nvme_instance_type_is_refused(sagemaker):
    # Given an endpoint on an instance type with local storage, built as if it had none
    ctx = _context(sagemaker, instance_type=NVME, instance_storage=False)

    with pytest.raises(ClientError) as refused:
        deploy_candidate(ctx, register(sagemaker))

    assert "KmsKeyId" in str(refused.value) and NVME in str(refused.value)


def test_an_nvme_endpoint_is_deployed_without_a_volume_key(sagemaker):
    ctx = _context(sagemaker, instance_type=NVME, instance_storage=True)

    deployment = deploy_candidate(ctx, register(sagemaker))

    config = sagemaker.describe_endpoint_config(EndpointConfigName=deployment.endpoint_config_name)
    assert "KmsKeyId" not in config
    assert config["DataCaptureConfig"]["KmsKeyId"] == OPTIONS.kms_key_arn


def test_an_ebs_endpoint_keeps_its_volume_key(sagemaker):
    deployment = deploy_candidate(_context(sagemaker), register(sagemaker))

    config = sagemaker.describe_endpoint_config(EndpointConfigName=deployment.endpoint_config_name)
    assert config["KmsKeyId"] == OPTIONS.kms_key_arn


def test_the_committed_table_matches_its_sources():
    assert json.loads(TABLE.read_text()) == build_table()
    assert has_instance_storage("ml.m5d.large") and has_instance_storage("ml.g5.xlarge")
    assert not has_instance_storage("ml.m5.large")


def _context_with(**compute) -> dict:
    document = json.loads((ROOT / "cdk.json").read_text())["context"][CONTEXT_KEY]
    document["compute"].update(compute)
    return document


def test_config_sets_the_flag_from_the_instance_type():
    assert load_config(
        _context_with(endpoint_instance_type=NVME), "dev"
    ).compute.endpoint_instance_storage
    assert not load_config(_context_with(), "dev").compute.endpoint_instance_storage


def test_config_refuses_an_instance_type_of_unknown_storage():
    with pytest.raises(ConfigError, match=r"^compute.endpoint_instance_type: 'ml.m5.hugeish'"):
        load_config(_context_with(endpoint_instance_type="ml.m5.hugeish"), "dev")
