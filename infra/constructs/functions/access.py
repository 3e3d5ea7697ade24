"""Exactly the S3 and DynamoDB actions the functions call, each with its cdk-nag reason."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from infra.constructs.nag import GRANT_ACTIONS, OBJECT_KEYS, suppress_wildcards


def read_objects(
    role: iam.IRole, bucket: s3.IBucket, pattern: str = "*", *, list_bucket: bool = True
) -> None:
    """Get (any version of) the objects under ``pattern``, and list the bucket.

    ListBucket also makes a read of a missing key answer 404 rather than 403, which
    code that treats a missing object as "not yet" relies on.
    """
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject", "s3:GetObjectVersion"],
            resources=[bucket.arn_for_objects(pattern)],
        )
    )
    if list_bucket:
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
        )
    if bucket.encryption_key is not None:
        bucket.encryption_key.grant(role, "kms:Decrypt")
    _suppress_keys(role, bucket, pattern)


def write_objects(role: iam.IRole, bucket: s3.IBucket, pattern: str) -> None:
    """Put objects under ``pattern`` (one request each: no multipart uploads)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["s3:PutObject"], resources=[bucket.arn_for_objects(pattern)])
    )
    if bucket.encryption_key is not None:
        bucket.encryption_key.grant(role, "kms:GenerateDataKey")
    _suppress_keys(role, bucket, pattern)


def _suppress_keys(role: iam.IRole, bucket: s3.IBucket, pattern: str) -> None:
    if "*" in pattern:
        suppress_wildcards(
            role,
            "Objects are named by run, window or inference id, known only at run time; "
            "the grant is limited to the prefix the function writes or reads.",
            OBJECT_KEYS,
        )


# What DynamoDB asks of a customer-managed key with the caller's rights (as CDK's grants).
TABLE_KEY_READ = ("kms:Decrypt", "kms:DescribeKey")
TABLE_KEY_WRITE = ("kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*")


def use_table(
    role: iam.IRole, table: dynamodb.ITable, *, reads: tuple[str, ...], writes: tuple[str, ...]
) -> None:
    """The named item calls on the table, and the key uses they cause."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=[f"dynamodb:{action}" for action in (*reads, *writes)],
            resources=[table.table_arn],
        )
    )
    if table.encryption_key is not None:
        table.encryption_key.grant(role, *TABLE_KEY_READ, *(TABLE_KEY_WRITE if writes else ()))
        suppress_wildcards(
            role, "DynamoDB's use of the table key (re-encrypt, data keys).", GRANT_ACTIONS
        )


def query_index(role: iam.IRole, table: dynamodb.ITable, index: str) -> None:
    """Query one index of the table (the table's own items stay out of reach)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["dynamodb:Query"], resources=[f"{table.table_arn}/index/{index}"]
        )
    )
    if table.encryption_key is not None:
        table.encryption_key.grant(role, *TABLE_KEY_READ)
