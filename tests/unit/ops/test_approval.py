"""Manual approval: the reason SageMaker can keep, the package named, who/when/why recorded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shadowloop.ops import approval

GROUP = "shadowloop-dev-models"
ARN = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}/2"


class Registry:
    """Two packages in GROUP; applies an update as SageMaker does (metadata entries merge)."""

    def __init__(self):
        self.metadata = {"dataset": "delivery-eta", "version_id": "v7"}
        self.status = "PendingManualApproval"
        self.description = None

    def get_paginator(self, name):
        assert name == "list_model_packages"
        return self

    def paginate(self, **_):
        yield {
            "ModelPackageSummaryList": [
                {"ModelPackageArn": ARN, "ModelPackageVersion": 2},
                {"ModelPackageArn": ARN[:-1] + "1", "ModelPackageVersion": 1},
            ]
        }

    def describe_model_package(self, ModelPackageName):
        return {
            "ModelPackageArn": ModelPackageName,
            "ModelPackageGroupName": GROUP,
            "ModelPackageVersion": int(ModelPackageName.rsplit("/", 1)[1]),
            "ModelApprovalStatus": self.status,
            "ApprovalDescription": self.description,
            "CustomerMetadataProperties": self.metadata,
        }

    def update_model_package(self, **request):
        self.status = request["ModelApprovalStatus"]
        self.description = request["ApprovalDescription"]
        self.metadata = {**self.metadata, **request["CustomerMetadataProperties"]}


class Sts:
    def get_caller_identity(self):
        return {"Arn": "arn:aws:sts::123456789012:assumed-role/risk/alice"}


def test_a_package_is_named_by_its_version_or_its_arn():
    registry = Registry()

    assert approval.resolve_package(registry, GROUP, "2") == ARN
    assert approval.resolve_package(registry, GROUP, ARN) == ARN


@pytest.mark.parametrize(
    ("package", "message"),
    [
        ("7", f"{GROUP} has no model package version 7"),
        (
            "latest",
            f"PACKAGE 'latest' is neither a model package ARN nor a version number of {GROUP}",
        ),
    ],
)
def test_an_unknown_package_is_a_clear_error(package, message):
    with pytest.raises(ValueError) as refused:
        approval.resolve_package(Registry(), GROUP, package)

    assert str(refused.value) == message


def test_a_package_of_another_group_is_refused():
    with pytest.raises(ValueError) as refused:
        approval.resolve_package(Registry(), "other-group", ARN)

    assert str(refused.value) == f"{ARN} belongs to {GROUP}, not to this project's other-group"


def test_the_decision_records_who_when_and_why_and_keeps_the_lineage():
    registry = Registry()

    decision = approval.decide(
        registry,
        Sts(),
        ARN,
        status=approval.APPROVED,
        reason="  risk review 42 passed ",
        now=lambda: datetime(2026, 3, 1, 9, 30, 15, 999, tzinfo=UTC),
    )

    who = "arn:aws:sts::123456789012:assumed-role/risk/alice"
    assert registry.status == "Approved"
    assert registry.metadata == {
        "dataset": "delivery-eta",
        "version_id": "v7",
        "approved_by": who,
        "approved_at": "2026-03-01T09:30:15+00:00",
        "approval_reason": "risk review 42 passed",
    }
    assert registry.description == (
        f"risk review 42 passed (approved by {who} at 2026-03-01T09:30:15+00:00)"
    )
    assert decision["approved_by"] == who and decision["version"] == 2


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("   ", "--reason is empty: say why"),
        ("x" * 257, "--reason is 257 characters; SageMaker keeps 256 in package metadata"),
        (
            "ok, ship (it)",
            "--reason holds '(' ')' ',': SageMaker's package metadata takes only letters, "
            "digits, spaces and _ . : / = + - @",
        ),
    ],
)
def test_a_reason_sagemaker_cannot_keep_is_refused_before_anything_changes(reason, message):
    registry = Registry()

    with pytest.raises(ValueError) as refused:
        approval.decide(registry, Sts(), ARN, status=approval.APPROVED, reason=reason)

    assert str(refused.value) == message
    assert registry.status == "PendingManualApproval"


def test_a_reason_in_any_script_is_kept():
    assert approval.check_reason("geprüft: Risiko 42 ok") == "geprüft: Risiko 42 ok"
