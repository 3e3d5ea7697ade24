"""The policy evaluator on the statements CDK writes: conditions, wildcards, deny over allow."""

from __future__ import annotations

import pytest

from shadowloop.localcloud.access.policy import (
    Decision,
    PolicyError,
    decide,
    decide_resource,
    statements,
)
from shadowloop.localcloud.access.principals import Principal

ACCOUNT = "123456789012"
BUCKET = "arn:aws:s3:::data"
ROLE = Principal.role(f"arn:aws:iam::{ACCOUNT}:role/step", session="fn")
TLS_ONLY = statements(
    {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": [BUCKET, f"{BUCKET}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    }
)
KEY_POLICY = statements(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
    }
)


def test_the_tls_only_bucket_policy_denies_plain_http_and_only_that():
    https = {"aws:SecureTransport": "true"}
    http = {"aws:SecureTransport": "false"}
    assert decide_resource(TLS_ONLY, ROLE, "s3:GetObject", f"{BUCKET}/k", https)[0] is Decision.NONE
    assert decide_resource(TLS_ONLY, ROLE, "s3:GetObject", f"{BUCKET}/k", http)[0] is Decision.DENY


def test_an_allow_whose_condition_fails_allows_nothing_and_denies_nothing():
    policy = statements(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "cloudwatch:PutMetricData",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"cloudwatch:namespace": "shadowloop"}},
                }
            ]
        }
    )
    put = "cloudwatch:PutMetricData"
    assert decide([policy], put, "*", {"cloudwatch:namespace": "shadowloop"}) is Decision.ALLOW
    assert decide([policy], put, "*", {"cloudwatch:namespace": "other"}) is Decision.NONE
    assert decide([policy], put, "*", {}) is Decision.NONE


def test_wildcards_are_iam_wildcards_not_regular_expressions():
    policy = statements(
        {"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::a.b/*"}]}
    )
    assert decide([policy], "s3:GetObjectVersion", "arn:aws:s3:::a.b/k", {}) is Decision.ALLOW
    assert decide([policy], "S3:getobject", "arn:aws:s3:::a.b/k", {}) is Decision.ALLOW
    assert decide([policy], "s3:GetObject", "arn:aws:s3:::aXb/k", {}) is Decision.NONE
    assert decide([policy], "s3:PutObject", "arn:aws:s3:::a.b/k", {}) is Decision.NONE


def test_an_explicit_deny_wins_over_any_allow():
    allow = statements({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    deny = statements(
        {"Statement": [{"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}]}
    )
    assert decide([allow, deny], "s3:PutObject", "x", {}) is Decision.DENY
    assert decide([allow, deny], "s3:GetObject", "x", {}) is Decision.ALLOW


def test_a_key_policy_naming_the_account_lets_iam_decide_but_allows_no_service():
    decision, delegated = decide_resource(KEY_POLICY, ROLE, "kms:Decrypt", "key", {})
    assert (decision, delegated) == (Decision.NONE, True)
    cloudwatch = Principal.aws_service("cloudwatch.amazonaws.com")
    assert decide_resource(KEY_POLICY, cloudwatch, "kms:Decrypt", "key", {}) == (
        Decision.NONE,
        False,
    )


def test_a_condition_operator_not_implemented_is_an_error_not_a_guess():
    policy = statements(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                }
            ]
        }
    )
    with pytest.raises(PolicyError, match="IpAddress"):
        decide([policy], "s3:GetObject", "x", {"aws:SourceIp": "10.1.2.3"})
