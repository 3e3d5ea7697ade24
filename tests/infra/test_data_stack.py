"""Data stack: versioned, encrypted, private buckets; topic; registry group; training code."""

from __future__ import annotations

import io
import tarfile

import pytest
from aws_cdk.assertions import Capture, Match
from aws_cdk.aws_logs import RetentionDays

from infra.constructs.function import retention
from infra.constructs.training_code import build_sourcedir, code_version
from tests.infra.conftest import Synthesized

KMS_BUCKETS = 3  # data, artifacts, captures


def _kms_buckets(synthesized: Synthesized) -> dict:
    return {
        logical_id: bucket
        for logical_id, bucket in synthesized.resources("data", "AWS::S3::Bucket").items()
        if "aws:kms" in str(bucket["Properties"].get("BucketEncryption", {}))
    }


def test_data_artifact_and_capture_buckets_are_versioned_kms_encrypted_and_private(
    synthesized: Synthesized,
) -> None:
    key = Capture()
    synthesized.template("data").all_resources_properties(
        "AWS::S3::Bucket",
        Match.object_like(
            {
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
            }
        ),
    )
    buckets = _kms_buckets(synthesized)
    assert len(buckets) == KMS_BUCKETS
    synthesized.template("data").has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Fn::GetAtt": [key, "Arn"]},
                            }
                        }
                    )
                ]
            },
            "LoggingConfiguration": Match.object_like({"DestinationBucketName": Match.any_value()}),
        },
    )
    keys = synthesized.resources("data", "AWS::KMS::Key")
    assert key.as_string() in keys
    assert keys[key.as_string()]["Properties"]["EnableKeyRotation"] is True


def test_every_bucket_expires_noncurrent_versions(synthesized: Synthesized) -> None:
    synthesized.template("data").all_resources_properties(
        "AWS::S3::Bucket",
        Match.object_like(
            {
                "LifecycleConfiguration": {
                    "Rules": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
                                    "Status": "Enabled",
                                }
                            )
                        ]
                    )
                }
            }
        ),
    )


def test_every_bucket_policy_denies_requests_without_tls(synthesized: Synthesized) -> None:
    policies = synthesized.resources("data", "AWS::S3::BucketPolicy")
    assert len(policies) == len(synthesized.resources("data", "AWS::S3::Bucket"))
    synthesized.template("data").all_resources_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": Match.any_value(),
            "PolicyDocument": Match.object_like(
                {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Effect": "Deny",
                                    "Action": "s3:*",
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                }
                            )
                        ]
                    )
                }
            ),
        },
    )


def test_notification_topic_is_encrypted(synthesized: Synthesized) -> None:
    synthesized.template("data").has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()}
    )


def test_model_package_group_is_named_after_the_prefix_and_the_stack(
    synthesized: Synthesized,
) -> None:
    # The stack id part gives each deployment its own group, beside a retained one.
    synthesized.template("data").has_resource_properties(
        "AWS::SageMaker::ModelPackageGroup",
        {
            "ModelPackageGroupName": {
                "Fn::Join": ["-", [f"{synthesized.config.prefix}-models", Match.any_value()]]
            }
        },
    )


def test_sagemaker_role_is_assumed_by_sagemaker(synthesized: Synthesized) -> None:
    synthesized.template("data").has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {
                    "Statement": [
                        Match.object_like({"Principal": {"Service": "sagemaker.amazonaws.com"}})
                    ]
                }
            )
        },
    )


def test_outputs_name_the_shared_resources(synthesized: Synthesized) -> None:
    outputs = synthesized.template("data").find_outputs("*")
    assert {
        "DataBucketName",
        "ArtifactBucketName",
        "CaptureBucketName",
        "TopicArn",
        "ModelPackageGroupName",
        "KmsKeyArn",
        "SageMakerRoleArn",
        "CodeUri",
        "CodeVersion",
        "SklearnImageUri",
    } <= set(outputs)
    assert outputs["CodeVersion"]["Value"] == code_version(build_sourcedir())


def test_sklearn_image_mapping_covers_regions_with_the_1_9_image(synthesized: Synthesized) -> None:
    mapping = synthesized.template("data").find_mappings("SklearnImage")["SklearnImage"]
    assert mapping["us-east-1"]["uri"].endswith("/sagemaker-scikit-learn:1.9-0-cpu-py3")
    assert "eu-west-1" in mapping


def test_sourcedir_archive_is_byte_identical_across_builds(tmp_path) -> None:
    # Given a training directory with two scripts
    source = tmp_path / "training"
    source.mkdir()
    (source / "train.py").write_text("print('train')\n")
    (source / "evaluate.py").write_text("print('evaluate')\n")
    (source / "notes.txt").write_text("not code\n")

    # When the archive is built twice, the second time after touching the files
    first = build_sourcedir(source, tmp_path / "a").read_bytes()
    for path in source.iterdir():
        path.touch()
    second = build_sourcedir(source, tmp_path / "b").read_bytes()

    # Then the bytes are the same and only the scripts are in it, in name order
    assert first == second
    with tarfile.open(fileobj=io.BytesIO(first)) as archive:
        assert archive.getnames() == ["evaluate.py", "train.py"]
        assert {m.mtime for m in archive.getmembers()} == {0}


@pytest.mark.parametrize(
    ("days", "period"), [(30, "ONE_MONTH"), (31, "TWO_MONTHS"), (365, "ONE_YEAR")]
)
def test_log_retention_rounds_up_to_a_cloudwatch_period(days: int, period: str) -> None:
    assert retention(days) is RetentionDays[period]
