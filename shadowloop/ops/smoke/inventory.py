"""What a stage holds, emptying what CloudFormation will not delete, and what is left after.

CloudFormation refuses to delete a bucket with objects or a model package group with
packages, so a throwaway stage is emptied explicitly before ``cdk destroy``. After it,
:func:`leftovers` lists what still exists and whether it still bills.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

_KINDS = {
    "AWS::S3::Bucket": "buckets",
    "AWS::KMS::Key": "keys",
    "AWS::DynamoDB::Table": "tables",
    "AWS::Logs::LogGroup": "log_groups",
    "AWS::SageMaker::ModelPackageGroup": "groups",
}


@dataclass
class Inventory:
    """The physical ids of a stage's data-holding and billable resources, by kind."""

    buckets: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    log_groups: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    @classmethod
    def from_resources(cls, resources: Iterable[tuple[str, str]]) -> Inventory:
        """From (resource type, physical id) pairs; other types are not tracked."""
        inventory = cls()
        for kind, physical_id in resources:
            if kind in _KINDS and physical_id:
                getattr(inventory, _KINDS[kind]).append(physical_id)
        return inventory

    @classmethod
    def from_stacks(cls, cloudformation: Any, stack_names: Iterable[str]) -> Inventory:
        """Read the resources of deployed stacks (before destroying them); absent ones add none."""
        pairs = []
        paginator = cloudformation.get_paginator("list_stack_resources")
        for name in stack_names:
            try:
                pages = list(paginator.paginate(StackName=name))
            except ClientError:
                continue  # never created, or already gone
            pairs += [
                (r["ResourceType"], r.get("PhysicalResourceId", ""))
                for page in pages
                for r in page["StackResourceSummaries"]
            ]
        return cls.from_resources(pairs)


@dataclass(frozen=True)
class Leftover:
    kind: str
    name: str
    state: str
    billable: bool


def empty_buckets(s3: Any, buckets: Iterable[str]) -> int:
    """Delete every object version and delete marker; returns how many went."""
    removed = 0
    for bucket in buckets:
        try:
            pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket))
        except ClientError as exc:
            if _code(exc) == "NoSuchBucket":
                continue
            raise
        for page in pages:
            objects = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(objects), 1000):
                s3.delete_objects(
                    Bucket=bucket, Delete={"Objects": objects[start : start + 1000], "Quiet": True}
                )
            removed += len(objects)
    return removed


def empty_registry(sagemaker: Any, groups: Iterable[str]) -> int:
    """Delete the model packages of each group (a group with packages cannot be deleted)."""
    removed = 0
    for group in groups:
        name = group.rsplit("/", 1)[-1]
        try:
            pages = sagemaker.get_paginator("list_model_packages").paginate(
                ModelPackageGroupName=name
            )
            arns = [p["ModelPackageArn"] for page in pages for p in page["ModelPackageSummaryList"]]
        except ClientError:
            continue
        for arn in arns:
            sagemaker.delete_model_package(ModelPackageName=arn)
        removed += len(arns)
    return removed


def leftovers(session: Any, region: str, inventory: Inventory, prefix: str) -> list[Leftover]:
    """Everything of the stage that still exists, marked billable or not."""

    def client(service: str) -> Any:
        return session.client(service, region_name=region)

    found: list[Leftover] = []
    s3 = client("s3")
    for bucket in inventory.buckets:
        if _exists(lambda b=bucket: s3.head_bucket(Bucket=b)):
            found.append(Leftover("S3 bucket", bucket, "exists", True))
    kms = client("kms")
    for key in inventory.keys:
        try:
            state = kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"]
        except ClientError:
            continue
        if state != "PendingDeletion":
            found.append(Leftover("KMS key", key, state, True))
    dynamodb = client("dynamodb")
    for table in inventory.tables:
        if _exists(lambda t=table: dynamodb.describe_table(TableName=t)):
            found.append(Leftover("DynamoDB table", table, "exists", True))
    sagemaker = client("sagemaker")
    for group in inventory.groups:
        name = group.rsplit("/", 1)[-1]
        if _exists(lambda n=name: sagemaker.describe_model_package_group(ModelPackageGroupName=n)):
            found.append(Leftover("model package group", name, "exists", False))
    for kind, call, key, field_name in (
        ("SageMaker endpoint", sagemaker.list_endpoints, "Endpoints", "EndpointName"),
        (
            "SageMaker endpoint config",
            sagemaker.list_endpoint_configs,
            "EndpointConfigs",
            "EndpointConfigName",
        ),
        ("SageMaker model", sagemaker.list_models, "Models", "ModelName"),
    ):
        for item in call(NameContains=prefix).get(key, []):
            found.append(Leftover(kind, item[field_name], item.get("EndpointStatus", "-"), True))
    alarms = client("cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
    found += [Leftover("CloudWatch alarm", a["AlarmName"], "exists", True) for a in alarms]
    found += _log_groups(client("logs"), inventory.log_groups, prefix)
    return found


def _log_groups(logs: Any, names: list[str], prefix: str) -> list[Leftover]:
    """The stack's log groups and the ones SageMaker made for the stage's endpoint."""
    wanted = set(names)
    found = []
    for search in sorted({*names, f"/aws/sagemaker/Endpoints/{prefix}"}):
        for group in logs.describe_log_groups(logGroupNamePrefix=search)["logGroups"]:
            name = group["logGroupName"]
            if name in wanted or name.startswith(f"/aws/sagemaker/Endpoints/{prefix}"):
                found.append(Leftover("log group", name, f"{group.get('storedBytes', 0)} B", True))
                wanted.discard(name)
    return found


def _exists(describe: Any) -> bool:
    try:
        describe()
    except ClientError:
        return False
    return True


def _code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")
