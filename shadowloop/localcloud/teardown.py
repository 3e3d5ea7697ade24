"""Delete deployed stacks the way CloudFormation does, honouring ``DeletionPolicy``.

Stacks go in reverse deployment order and resources in reverse creation order. A
resource whose ``DeletionPolicy`` is ``Retain`` stays, with its data, and is reported.
Deletion fails where AWS refuses it: a bucket that still holds objects, a model
package group that still holds packages. ``UpdateReplacePolicy`` applies only when an
update replaces a resource; the local cloud never updates a stack in place, it deploys
anew, so a redeploy meets retained resources exactly as ``cdk deploy`` after
``cdk destroy`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto.sagemaker.models import sagemaker_backends

from shadowloop.localcloud.provision import Created, Deployment
from shadowloop.localcloud.template import ACCOUNT, TemplateError

RETAINED_POLICIES = ("Retain", "RetainExceptOnCreate")
# CloudFormation's default for AWS::KMS::Key PendingWindowInDays.
DEFAULT_PENDING_WINDOW_DAYS = 30


class DeleteFailed(TemplateError):
    """CloudFormation would end the stack in DELETE_FAILED; the message names the resource."""


@dataclass
class Teardown:
    """What a destroy removed and what it kept on purpose."""

    deleted: list[tuple[str, str]] = field(default_factory=list)
    retained: list[tuple[str, str]] = field(default_factory=list)


def destroy(
    deployment: Deployment,
    session: boto3.Session,
    *,
    custom_resource: Callable[[Created], None],
) -> Teardown:
    """Delete every stack of ``deployment``; ``custom_resource`` sends a resource its Delete.

    What is gone leaves the deployment as it goes, so after a DELETE_FAILED a second
    destroy resumes with what is left, as a retried stack deletion does.
    """
    remover = _Remover(session, deployment.region)
    report = Teardown()
    for stack in reversed(list(deployment.stacks)):
        for created in reversed([c for c in deployment.created if c.stack == stack]):
            if created.deletion_policy in RETAINED_POLICIES:
                report.retained.append((created.kind, created.ref))
            else:
                try:
                    if created.kind.startswith("Custom::"):
                        custom_resource(created)
                    elif remover.delete(created):
                        report.deleted.append((created.kind, created.ref))
                except ClientError as exc:
                    raise DeleteFailed(
                        f"{stack}: DELETE_FAILED {created.logical_id} ({created.kind} "
                        f"{created.ref}): {exc.response['Error'].get('Message') or exc}"
                    ) from None
            deployment.created.remove(created)
        deployment.stacks.remove(stack)
    return report


class _Remover:
    """One delete call per resource type the provisioner creates for real."""

    def __init__(self, session: boto3.Session, region: str) -> None:
        self.session = session
        self.region = region
        self._deleters: dict[str, Callable[[Created], None]] = {
            "AWS::S3::Bucket": lambda c: self.client("s3").delete_bucket(Bucket=c.ref),
            "AWS::KMS::Key": self._key,
            "AWS::KMS::Alias": lambda c: self.client("kms").delete_alias(AliasName=c.ref),
            "AWS::SNS::Topic": lambda c: self.client("sns").delete_topic(TopicArn=c.ref),
            "AWS::IAM::Role": self._role,
            "AWS::DynamoDB::Table": lambda c: self.client("dynamodb").delete_table(TableName=c.ref),
            "AWS::SageMaker::ModelPackageGroup": self._model_package_group,
            "AWS::Lambda::Function": lambda c: self.client("lambda").delete_function(
                FunctionName=c.ref
            ),
            "AWS::StepFunctions::StateMachine": lambda c: self.client(
                "stepfunctions"
            ).delete_state_machine(stateMachineArn=c.ref),
            "AWS::Events::Rule": self._rule,
            "AWS::Logs::LogGroup": lambda c: self.client("logs").delete_log_group(
                logGroupName=c.ref
            ),
            "AWS::CloudWatch::Alarm": lambda c: self.client("cloudwatch").delete_alarms(
                AlarmNames=[c.ref]
            ),
        }

    def client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.region)

    def delete(self, created: Created) -> bool:
        """Delete one resource; False for types the local cloud only records."""
        deleter = self._deleters.get(created.kind)
        if deleter is None:
            return False
        deleter(created)
        return True

    def _key(self, created: Created) -> None:
        days = int(created.properties.get("PendingWindowInDays", DEFAULT_PENDING_WINDOW_DAYS))
        self.client("kms").schedule_key_deletion(KeyId=created.ref, PendingWindowInDays=days)

    def _role(self, created: Created) -> None:
        iam = self.client("iam")
        for name in iam.list_role_policies(RoleName=created.ref)["PolicyNames"]:
            iam.delete_role_policy(RoleName=created.ref, PolicyName=name)
        for policy in iam.list_attached_role_policies(RoleName=created.ref)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=created.ref, PolicyArn=policy["PolicyArn"])
        iam.delete_role(RoleName=created.ref)

    def _model_package_group(self, created: Created) -> None:
        sagemaker = self.client("sagemaker")
        name = created.properties["ModelPackageGroupName"]
        packages = sagemaker.list_model_packages(ModelPackageGroupName=name)
        if packages["ModelPackageSummaryList"]:
            raise ClientError(
                {
                    "Error": {
                        "Code": "ValidationException",
                        "Message": f"Model package group {name} still contains model packages; "
                        "delete them before the group",
                    }
                },
                "DeleteModelPackageGroup",
            )
        # moto has no DeleteModelPackageGroup; remove the group from its backend.
        sagemaker_backends[ACCOUNT][self.region].model_package_groups.pop(name, None)

    def _rule(self, created: Created) -> None:
        events = self.client("events")
        ids = [t["Id"] for t in created.properties.get("Targets", [])]
        if ids:
            events.remove_targets(Rule=created.ref, Ids=ids)
        events.delete_rule(Name=created.ref)
