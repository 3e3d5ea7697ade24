"""Finding a stage's resources, emptying what CloudFormation will not delete.

(moto has no DeleteModelPackage, so ``empty_registry`` runs only against AWS.)
"""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from shadowloop.ops.smoke.inventory import Inventory, empty_buckets

TEMPLATE = {
    "Resources": {
        "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "stage-data"}},
        "Topic": {"Type": "AWS::SNS::Topic"},
    }
}


def test_the_inventory_reads_stack_resources_and_skips_absent_stacks():
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(StackName="stage-data", TemplateBody=json.dumps(TEMPLATE))

        inventory = Inventory.from_stacks(cloudformation, ["stage-data", "stage-never-made"])

    assert inventory.buckets == ["stage-data"]
    assert inventory.keys == [] and inventory.tables == []


def test_emptying_a_versioned_bucket_lets_it_be_deleted():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="stage-bucket")
        s3.put_bucket_versioning(
            Bucket="stage-bucket", VersioningConfiguration={"Status": "Enabled"}
        )
        for body in (b"1", b"2"):
            s3.put_object(Bucket="stage-bucket", Key="k", Body=body)
        s3.delete_object(Bucket="stage-bucket", Key="k")  # a delete marker

        removed = empty_buckets(s3, ["stage-bucket", "already-gone"])
        s3.delete_bucket(Bucket="stage-bucket")

        assert removed == 3
        assert "stage-bucket" not in {x["Name"] for x in s3.list_buckets()["Buckets"]}
