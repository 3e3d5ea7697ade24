"""Each API call as the IAM requests AWS evaluates: action, resource ARN and context keys.

Every operation the deployed code makes as a principal is listed here. A call that is
not listed is refused with :class:`Unmapped`, so a missing mapping shows instead of
passing as allowed. The checks a service makes on the caller's behalf are listed with
the call: SSE-KMS in S3, the key of an encrypted topic, ``iam:PassRole`` and KMS
grants for SageMaker, the alarms of a guarded deployment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shadowloop.localcloud.access.principals import Principal
from shadowloop.localcloud.access.store import PolicyStore
from shadowloop.localcloud.template import ACCOUNT, PARTITION

SERVICE_PREFIX = {"stepfunctions": "states", "sagemaker-runtime": "sagemaker"}


class Unmapped(LookupError):
    """The local cloud does not know which IAM request an operation is."""


@dataclass(frozen=True)
class Check:
    """One IAM request: ``principal`` (the caller when None) may do ``action`` on ``resource``."""

    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)
    principal: Principal | None = None
    # The service that makes this request for the caller (KMS use by S3, SNS, SageMaker).
    on_behalf_of: str | None = None


@dataclass(frozen=True)
class AssumeCheck:
    """A service must be trusted by ``role_arn`` to act as it for ``source_arn``."""

    role_arn: str
    service: str
    source_arn: str


@dataclass
class Call:
    """One API call being authorized."""

    service: str
    operation: str
    params: Mapping[str, Any]
    region: str
    store: PolicyStore

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{PARTITION}:{service}:{self.region}:{ACCOUNT}:{resource}"

    def iam(self, operation: str | None = None) -> str:
        return f"{SERVICE_PREFIX.get(self.service, self.service)}:{operation or self.operation}"


Rule = Callable[[Call], list[Any]]


def checks_for(call: Call) -> list[Any]:
    """The IAM requests behind one call; raises Unmapped for an operation not listed."""
    if call.service == "sts" and call.operation == "GetCallerIdentity":
        return []  # needs no permission on AWS either
    rule = _RULES.get(call.service, {}).get(call.operation)
    if rule is None:
        raise Unmapped(f"{call.service}:{call.operation}")
    return rule(call)


# -- S3 ----------------------------------------------------------------------------------


def _object_arn(bucket: str, key: str) -> str:
    return f"arn:{PARTITION}:s3:::{bucket}/{key}"


def _s3_kms(call: Call, action: str, key_arn: str | None, bucket: str) -> list[Check]:
    if key_arn is None:
        return []
    context = {
        "kms:ViaService": f"s3.{call.region}.amazonaws.com",
        "kms:CallerAccount": ACCOUNT,
        "kms:EncryptionContext:aws:s3:arn": f"arn:{PARTITION}:s3:::{bucket}",
    }
    return [Check(action, key_arn, context, on_behalf_of="s3")]


def _s3_read(call: Call, bucket: str, key: str, version_id: str | None, *, decrypt: bool) -> list:
    action = "s3:GetObjectVersion" if version_id else "s3:GetObject"
    checks: list[Any] = [Check(action, _object_arn(bucket, key))]
    if decrypt:
        checks += _s3_kms(
            call, "kms:Decrypt", call.store.object_key(bucket, key, version_id), bucket
        )
    return checks


def _s3_write(call: Call, bucket: str, key: str, *, explicit_key: str | None = None) -> list:
    key_arn = call.store.key_arn(explicit_key) if explicit_key else call.store.bucket_key(bucket)
    return [Check("s3:PutObject", _object_arn(bucket, key))] + _s3_kms(
        call, "kms:GenerateDataKey", key_arn, bucket
    )


def _get_object(call: Call) -> list:
    p = call.params
    return _s3_read(call, p["Bucket"], p["Key"], p.get("VersionId"), decrypt=True)


def _head_object(call: Call) -> list:
    p = call.params
    return _s3_read(call, p["Bucket"], p["Key"], p.get("VersionId"), decrypt=False)


def _put_object(call: Call) -> list:
    p = call.params
    return _s3_write(call, p["Bucket"], p["Key"], explicit_key=p.get("SSEKMSKeyId"))


def _copy_source(call: Call) -> tuple[str, str, str | None]:
    source = call.params["CopySource"]
    if isinstance(source, Mapping):
        return source["Bucket"], source["Key"], source.get("VersionId")
    path, _, query = str(source).lstrip("/").partition("?versionId=")
    bucket, _, key = path.partition("/")
    return bucket, key, query or None


def _copy_object(call: Call) -> list:
    bucket, key, version = _copy_source(call)
    return _s3_read(call, bucket, key, version, decrypt=True) + _put_object(call)


def _list_bucket(action: str) -> Rule:
    def rule(call: Call) -> list:
        prefix = call.params.get("Prefix")
        context = {"s3:prefix": prefix} if prefix is not None else {}
        return [Check(action, f"arn:{PARTITION}:s3:::{call.params['Bucket']}", context)]

    return rule


def _bucket_level(action: str) -> Rule:
    return lambda call: [Check(action, f"arn:{PARTITION}:s3:::{call.params['Bucket']}")]


def _delete_object(call: Call) -> list:
    p = call.params
    action = "s3:DeleteObjectVersion" if p.get("VersionId") else "s3:DeleteObject"
    return [Check(action, _object_arn(p["Bucket"], p["Key"]))]


# -- SageMaker ---------------------------------------------------------------------------


def _sagemaker(resource: str, name_param: str) -> Rule:
    """A call on one named SageMaker resource (SageMaker ARNs hold names in lower case)."""

    def rule(call: Call) -> list:
        name = str(call.params[name_param])
        arn = (
            name if name.startswith("arn:") else call.arn("sagemaker", f"{resource}/{name.lower()}")
        )
        return [Check(call.iam(), arn)]

    return rule


def _sagemaker_any(call: Call) -> list:
    return [Check(call.iam(), "*")]


def _by_arn(param: str) -> Rule:
    return lambda call: [Check(call.iam(), str(call.params[param]))]


def _passes_role(base: Rule, role_param: str, resource: str, name_param: str) -> Rule:
    """A call that hands SageMaker a role: iam:PassRole, and the role must trust SageMaker."""

    def rule(call: Call) -> list:
        role = str(call.params[role_param])
        source = call.arn("sagemaker", f"{resource}/{call.params[name_param]}".lower())
        return [
            *base(call),
            Check("iam:PassRole", role, {"iam:PassedToService": "sagemaker.amazonaws.com"}),
            AssumeCheck(role, "sagemaker.amazonaws.com", source),
        ]

    return rule


def _create_endpoint_config(call: Call) -> list:
    """SageMaker creates KMS grants for the volume and capture keys with the caller's rights."""
    checks = _sagemaker("endpoint-config", "EndpointConfigName")(call)
    keys = {
        call.params.get("KmsKeyId"),
        (call.params.get("DataCaptureConfig") or {}).get("KmsKeyId"),
    }
    for key in sorted(k for k in keys if k):
        context = {"kms:ViaService": f"sagemaker.{call.region}.amazonaws.com"}
        for action in ("kms:CreateGrant", "kms:DescribeKey"):
            checks.append(Check(action, call.store.key_arn(key), context, on_behalf_of="sagemaker"))
    return checks


def _update_endpoint(call: Call) -> list:
    """Guarded deployments: SageMaker watches the rollback alarms as the models' role."""
    checks = _sagemaker("endpoint", "EndpointName")(call)
    alarms = (call.params.get("DeploymentConfig") or {}).get("AutoRollbackConfiguration") or {}
    names = [a["AlarmName"] for a in alarms.get("Alarms") or []]
    for role in call.store.model_roles(str(call.params["EndpointConfigName"])) if names else []:
        principal = Principal.role(role, session="SageMaker")
        for name in names:
            arn = call.arn("cloudwatch", f"alarm:{name}")
            checks.append(
                Check(
                    "cloudwatch:DescribeAlarms", arn, principal=principal, on_behalf_of="sagemaker"
                )
            )
    return checks


def _create_model_package(call: Call) -> list:
    group = str(call.params.get("ModelPackageGroupName") or call.params.get("ModelPackageName"))
    return [Check(call.iam(), call.arn("sagemaker", f"model-package/{group.lower()}/*"))]


def _model_package(param: str) -> Rule:
    def rule(call: Call) -> list:
        name = str(call.params[param])
        if not name.startswith("arn:"):
            name = call.arn("sagemaker", f"model-package/{name.lower()}")
        return [Check(call.iam(), name)]

    return rule


# -- other services ----------------------------------------------------------------------


def _function(call: Call) -> list:
    name = str(call.params["FunctionName"])
    if not name.startswith("arn:"):
        name = call.arn("lambda", f"function:{name}")
    qualifier = call.params.get("Qualifier")
    return [Check("lambda:InvokeFunction", f"{name}:{qualifier}" if qualifier else name)]


def _table(call: Call) -> list:
    return [Check(call.iam(), call.arn("dynamodb", f"table/{call.params['TableName']}"))]


def _table_or_index(call: Call) -> list:
    """A Query or Scan of an index is authorized on the index's ARN, not the table's."""
    index = call.params.get("IndexName")
    table = f"table/{call.params['TableName']}"
    return [Check(call.iam(), call.arn("dynamodb", f"{table}/index/{index}" if index else table))]


def _batch_tables(call: Call) -> list:
    return [
        Check(call.iam(), call.arn("dynamodb", f"table/{table}"))
        for table in sorted(call.params["RequestItems"])
    ]


def _publish(call: Call) -> list:
    """Publishing to an encrypted topic: SNS uses the key with the publisher's rights."""
    topic = str(call.params.get("TopicArn") or call.params.get("TargetArn"))
    checks: list[Any] = [Check("sns:Publish", topic)]
    key = call.store.topic_key(topic)
    if key is not None:
        context = {
            "kms:ViaService": f"sns.{call.region}.amazonaws.com",
            "kms:CallerAccount": ACCOUNT,
        }
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            checks.append(Check(action, key, context, on_behalf_of="sns"))
    return checks


def _put_metric_data(call: Call) -> list:
    return [Check(call.iam(), "*", {"cloudwatch:namespace": call.params.get("Namespace")})]


def _describe_alarms(call: Call) -> list:
    names = call.params.get("AlarmNames") or ["*"]
    return [Check(call.iam(), call.arn("cloudwatch", f"alarm:{name}")) for name in names]


def _any_resource(call: Call) -> list:
    return [Check(call.iam(), "*")]


def _key(call: Call) -> list:
    return [Check(call.iam(), call.store.key_arn(str(call.params["KeyId"])))]


_S3: dict[str, Rule] = {
    "GetObject": _get_object,
    "HeadObject": _head_object,
    "PutObject": _put_object,
    "CopyObject": _copy_object,
    "DeleteObject": _delete_object,
    "ListObjectsV2": _list_bucket("s3:ListBucket"),
    "ListObjects": _list_bucket("s3:ListBucket"),
    "ListObjectVersions": _list_bucket("s3:ListBucketVersions"),
    "HeadBucket": _bucket_level("s3:ListBucket"),
    "GetBucketVersioning": _bucket_level("s3:GetBucketVersioning"),
}

_SAGEMAKER: dict[str, Rule] = {
    **{
        f"{verb}{kind}": _sagemaker(resource, f"{kind}Name")
        for kind, resource in (
            ("Endpoint", "endpoint"),
            ("EndpointConfig", "endpoint-config"),
            ("Model", "model"),
            ("TrainingJob", "training-job"),
            ("ProcessingJob", "processing-job"),
        )
        for verb in ("Describe", "Delete", "Stop")
    },
    "CreateEndpoint": _sagemaker("endpoint", "EndpointName"),
    "UpdateEndpoint": _update_endpoint,
    "CreateEndpointConfig": _create_endpoint_config,
    "CreateModel": _passes_role(
        _sagemaker("model", "ModelName"), "ExecutionRoleArn", "model", "ModelName"
    ),
    "CreateTrainingJob": _passes_role(
        _sagemaker("training-job", "TrainingJobName"), "RoleArn", "training-job", "TrainingJobName"
    ),
    "CreateProcessingJob": _passes_role(
        _sagemaker("processing-job", "ProcessingJobName"),
        "RoleArn",
        "processing-job",
        "ProcessingJobName",
    ),
    "CreateModelPackage": _create_model_package,
    "DescribeModelPackage": _model_package("ModelPackageName"),
    "UpdateModelPackage": _model_package("ModelPackageArn"),
    "DescribeModelPackageGroup": _sagemaker("model-package-group", "ModelPackageGroupName"),
    "ListModelPackages": _sagemaker_any,
    "ListModels": _sagemaker_any,
    "ListEndpointConfigs": _sagemaker_any,
    "ListEndpoints": _sagemaker_any,
    "AddTags": _by_arn("ResourceArn"),
    "ListTags": _by_arn("ResourceArn"),
}

_RULES: dict[str, dict[str, Rule]] = {
    "s3": _S3,
    "sagemaker": _SAGEMAKER,
    "sagemaker-runtime": {"InvokeEndpoint": _sagemaker("endpoint", "EndpointName")},
    "lambda": {"Invoke": _function},
    "dynamodb": {
        **{op: _table for op in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")},
        "Query": _table_or_index,
        "Scan": _table_or_index,
        "DescribeTable": _table,
        "BatchGetItem": _batch_tables,
        "BatchWriteItem": _batch_tables,
    },
    "stepfunctions": {
        "StartExecution": _by_arn("stateMachineArn"),
        "ListExecutions": _by_arn("stateMachineArn"),
        "DescribeExecution": _by_arn("executionArn"),
        "StopExecution": _by_arn("executionArn"),
    },
    "sns": {"Publish": _publish},
    "cloudwatch": {
        "PutMetricData": _put_metric_data,
        "GetMetricData": _any_resource,
        "GetMetricStatistics": _any_resource,
        "DescribeAlarms": _describe_alarms,
    },
    "kms": {
        op: _key for op in ("Encrypt", "GenerateDataKey", "DescribeKey", "CreateGrant", "ReEncrypt")
    },
}
