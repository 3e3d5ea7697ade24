"""Destroy and redeploy on the local cloud, as `cdk destroy` then `cdk deploy` do on AWS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.config import ROOT, load_from_cdk_json
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.localcloud.provision import Provisioner, ResourceExists
from shadowloop.localcloud.teardown import DeleteFailed
from shadowloop.localcloud.template import Stack
from shadowloop.ops import localserver
from shadowloop.ops.smoke.inventory import Inventory, empty_buckets, leftovers
from tests.e2e.conftest import generate, push

ASSEMBLY_CACHE = ROOT / ".shadowloop" / "assembly"
# Its own group: these tests can run beside the other end-to-end tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("teardown")]


def _buckets(cloud: LocalCloud) -> set[str]:
    return {b["Name"] for b in cloud.client("s3").list_buckets()["Buckets"]}


def test_destroy_keeps_the_data_and_a_redeploy_works_beside_it(cloud, target):
    # Given a dataset version pushed to the deployed data bucket
    data_bucket = cloud.output("DataBucketName")
    table = cloud.output("InferenceTableName")
    version = push(target, generate("baseline", 50, 1))

    # When the stacks are destroyed
    report = cloud.destroy()

    # Then the data, the inference table, the registry and their key stay, and the data reads
    retained = {kind for kind, _ in report.retained}
    assert {"AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::KMS::Key"} <= retained
    assert "AWS::SageMaker::ModelPackageGroup" in retained
    body = (
        cloud.client("s3")
        .get_object(Bucket=data_bucket, Key="datasets/delivery-eta/data.csv", VersionId=version)[
            "Body"
        ]
        .read()
    )
    assert len(body.splitlines()) == 51
    key_ids = [ref for kind, ref in report.retained if kind == "AWS::KMS::Key"]
    assert cloud.client("kms").describe_key(KeyId=key_ids[0])["KeyMetadata"]["KeyState"] == (
        "Enabled"
    )
    # And nothing that runs is left
    assert cloud.client("lambda").list_functions()["Functions"] == []
    assert cloud.client("stepfunctions").list_state_machines()["stateMachines"] == []

    # When the stacks are deployed again
    cloud.deploy()

    # Then new data resources stand beside the retained ones
    assert cloud.output("DataBucketName") != data_bucket
    assert cloud.output("InferenceTableName") != table
    assert {data_bucket, cloud.output("DataBucketName")} <= _buckets(cloud)


def test_a_fixed_name_that_exists_is_refused_as_cloudformation_does():
    # Given a retained table with a fixed name, left behind by a destroyed stack
    template = {
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "DeletionPolicy": "Retain",
                "Properties": {
                    "TableName": "fixed-inferences",
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                },
            }
        }
    }
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        stack = Stack("fixed", template, {})
        Provisioner(region="us-east-1", assembly_dir=Path("."), session=session).deploy([stack])

        # When the same template is deployed again
        with pytest.raises(ResourceExists) as refused:
            Provisioner(region="us-east-1", assembly_dir=Path("."), session=session).deploy([stack])

    assert "'AWS::DynamoDB::Table' with identifier 'fixed-inferences' already exists" in str(
        refused.value
    )


@pytest.fixture
def throwaway(tmp_path: Path) -> Any:
    """A stage that keeps nothing (the smoke environment), deployed on the local cloud."""
    config = load_from_cdk_json(environment="smoke", stage="t1")
    local = LocalCloud(workdir=tmp_path, config=config)
    local.start(assembly_cache=ASSEMBLY_CACHE)
    yield local
    local.stop()


def _inventory(cloud: LocalCloud) -> Inventory:
    return Inventory.from_resources((c.kind, c.ref) for c in cloud.deployment.created)


def test_a_throwaway_stage_never_drops_data_silently_and_leaves_nothing_billable(throwaway):
    # Given a throwaway stage holding a dataset
    target = localserver.target_for(throwaway)
    data_bucket = throwaway.output("DataBucketName")
    push(target, generate("baseline", 30, 2))
    inventory = _inventory(throwaway)
    prefix = throwaway.config.prefix

    # When it is destroyed with data in a bucket, the destroy stops there (BucketNotEmpty)
    with pytest.raises(DeleteFailed, match=data_bucket):
        throwaway.destroy()

    # When its buckets are emptied as the smoke kit does, a second destroy completes
    assert empty_buckets(throwaway.client("s3"), inventory.buckets) >= 1
    report = throwaway.destroy()

    # Then nothing was retained and nothing billable is left; the key awaits deletion
    assert report.retained == []
    assert leftovers(throwaway.session, "us-east-1", inventory, prefix) == []
    (key,) = inventory.keys
    metadata = throwaway.client("kms").describe_key(KeyId=key)["KeyMetadata"]
    assert metadata["KeyState"] == "PendingDeletion"


def test_leftovers_report_what_a_retaining_stage_keeps(cloud):
    inventory = _inventory(cloud)

    cloud.destroy()

    left = leftovers(cloud.session, "us-east-1", inventory, cloud.config.prefix)
    kinds = {item.kind for item in left}
    assert {"S3 bucket", "KMS key", "DynamoDB table", "model package group"} <= kinds
    assert all(item.billable for item in left if item.kind != "model package group")
