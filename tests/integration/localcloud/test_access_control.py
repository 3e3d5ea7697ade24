"""AccessControl on plain moto: roles, bucket keys, table indexes, unmapped calls and the
administrator."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from lambdas.shared.contracts import feedback
from shadowloop.localcloud.access.enforcer import AccessControl
from shadowloop.localcloud.access.principals import Principal, acting_as
from tests import inference_table

BUCKET = "access-data"


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    with mock_aws():
        control = AccessControl(region="us-east-1")
        control.install()
        try:
            yield _account()
        finally:
            control.uninstall()


def _account() -> dict[str, str]:
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key,
                    }
                }
            ]
        },
    )
    s3.put_object(Bucket=BUCKET, Key="data.csv", Body=b"a,b\n1,2\n")
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="reader", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    iam.put_role_policy(
        RoleName="reader",
        PolicyName="read",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    return {"key": key, "role": role}


def _as_reader(aws: dict[str, str]):
    return acting_as(Principal.role(aws["role"], session="fn"))


def test_a_role_without_the_bucket_key_cannot_read_an_encrypted_object(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    with _as_reader(aws), pytest.raises(ClientError) as refused:
        s3.get_object(Bucket=BUCKET, Key="data.csv")
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        "User: arn:aws:sts::123456789012:assumed-role/reader/fn is not authorized to perform: "
        f"kms:Decrypt on resource: {aws['key']} because no identity-based policy allows the "
        "kms:Decrypt action"
    )


def test_the_role_reads_once_it_may_decrypt_and_still_cannot_write(aws):
    iam = boto3.client("iam", region_name="us-east-1")
    decrypt = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": aws["key"]}
    iam.put_role_policy(
        RoleName="reader",
        PolicyName="key",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [decrypt]}),
    )
    s3 = boto3.client("s3", region_name="us-east-1")
    with _as_reader(aws):
        assert s3.get_object(Bucket=BUCKET, Key="data.csv")["Body"].read() == b"a,b\n1,2\n"
        with pytest.raises(
            ClientError, match="s3:PutObject on resource: arn:aws:s3:::access-data/x"
        ):
            s3.put_object(Bucket=BUCKET, Key="x", Body=b"")


def test_an_operation_without_a_mapping_is_refused_and_says_so(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    with _as_reader(aws), pytest.raises(ClientError, match="no IAM mapping for this operation"):
        s3.get_bucket_tagging(Bucket=BUCKET)


def test_the_caller_outside_every_function_is_the_unrestricted_administrator(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=BUCKET, Key="admin", Body=b"ok")
    assert s3.get_object(Bucket=BUCKET, Key="admin")["Body"].read() == b"ok"


def test_a_grant_on_an_index_queries_the_index_and_not_the_table(aws):
    # Given a table with the feedback index and a role that may Query only that index
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    inference_table.create(dynamodb, "inferences")
    inference_table.label(dynamodb, "inferences", "id-1", 3.5, "2026-11-23T12")
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/inferences"
    grant = {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": f"{table}/index/*"}
    boto3.client("iam", region_name="us-east-1").put_role_policy(
        RoleName="reader",
        PolicyName="index",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [grant]}),
    )
    by_hour = {
        "TableName": "inferences",
        "KeyConditionExpression": "#h = :h",
        "ExpressionAttributeNames": {"#h": feedback.HOUR},
        "ExpressionAttributeValues": {":h": {"S": "2026-11-23T12"}},
    }
    with _as_reader(aws):
        # Then the index answers, as on AWS (the resource is table/NAME/index/INDEX)
        found = dynamodb.query(IndexName=feedback.INDEX, **by_hour)["Items"]
        assert [i["inference_id"]["S"] for i in found] == ["id-1"]
        # And the table itself is refused: the grant does not cover its ARN
        with pytest.raises(ClientError, match=f"dynamodb:Query on resource: {table} because"):
            dynamodb.query(
                TableName="inferences",
                KeyConditionExpression="inference_id = :i",
                ExpressionAttributeValues={":i": {"S": "id-1"}},
            )
