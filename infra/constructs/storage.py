"""Encrypted, versioned S3 buckets with access logging, and the notification topic."""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.constructs.nag import suppress

NONCURRENT_DAYS = 90
CAPTURE_INFREQUENT_DAYS = 30
# A destroyed stage's key stops billing at once and can be cancelled for a week.
KEY_PENDING_WINDOW_DAYS = 7


def data_removal_policy(retain_data: bool) -> RemovalPolicy:
    """One policy for every resource holding accepted data, and for the key that encrypts it.

    Retained resources carry generated names, so a redeploy after ``cdk destroy``
    creates new ones beside them. Destroyed buckets must be empty first: CloudFormation
    refuses to delete a bucket with objects, so no data goes with a stack by accident.
    """
    return RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY


class Storage(Construct):
    """The project key, the data, artifact and capture buckets, their access-log bucket and topic.

    Every bucket is versioned, KMS-encrypted with the project key, TLS-only and private.
    Noncurrent versions expire after 90 days; captured traffic moves to infrequent access.
    All of them, and the key, follow ``retain_data`` (see :func:`data_removal_policy`).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, prefix: str, retain_data: bool = True
    ) -> None:
        super().__init__(scope, construct_id)
        self.removal_policy = data_removal_policy(retain_data)
        self.key = kms.Key(
            self,
            "Key",
            # The alias goes with the stack and names the next deployment's key.
            alias=f"alias/{prefix}",
            description=f"Encrypts {prefix} datasets, artifacts, captures and notifications",
            enable_key_rotation=True,
            removal_policy=self.removal_policy,
            pending_window=None if retain_data else Duration.days(KEY_PENDING_WINDOW_DAYS),
        )
        self.access_log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            # S3 server access logging can only deliver to SSE-S3 buckets.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(365),
                    noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS),
                )
            ],
            removal_policy=self.removal_policy,
        )
        suppress(
            self.access_log_bucket,
            "S1",
            "This is the access-log bucket; logging it to itself would loop.",
        )
        self.data_bucket = self._bucket("Data", "data/")
        self.artifact_bucket = self._bucket("Artifacts", "artifacts/")
        self.capture_bucket = self._bucket(
            "Captures",
            "captures/",
            transitions=[
                s3.Transition(
                    storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                    transition_after=Duration.days(CAPTURE_INFREQUENT_DAYS),
                )
            ],
        )
        self.topic = sns.Topic(
            self,
            "Notifications",
            display_name=f"{prefix} pipeline and monitoring notifications",
            master_key=self.key,
            enforce_ssl=True,
        )
        self._let_alarms_notify(prefix)

    def _let_alarms_notify(self, prefix: str) -> None:
        """CloudWatch publishes alarm actions as its service principal, which no IAM policy
        can grant: the topic policy must let it publish and the key policy let it use the key.
        Both are limited to this account's ``{prefix}-*`` alarms."""
        alarms = Stack.of(self).format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name=f"{prefix}-*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        conditions = {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {"aws:SourceArn": alarms},
        }
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsPublish",
                principals=[cloudwatch],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=conditions,
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsUseTheTopicKey",
                principals=[cloudwatch],
                # The calls SNS makes with the publisher's rights on an encrypted topic.
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions=conditions,
            )
        )

    def _bucket(
        self, construct_id: str, log_prefix: str, transitions: list[s3.Transition] | None = None
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix=log_prefix,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS),
                    transitions=transitions,
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=self.removal_policy,
        )
