"""Deploy a synthesized cloud assembly into moto, the way CloudFormation would.

Each supported resource type is created through the AWS API (so moto holds it as
AWS would); types moto has no use for locally (log groups, alarms, dashboards,
API Gateway, which :mod:`shadowloop.localcloud.apigateway` serves) are recorded
with their names only. Assets are uploaded to the bootstrap bucket as
``cdk deploy`` does. SSM-typed template parameters are read at deploy time, the
public ones from :mod:`shadowloop.localcloud.managed_layers`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from shadowloop.localcloud.managed_layers import ParameterNotFound, layer_contents, public_parameter
from shadowloop.localcloud.template import (
    ACCOUNT,
    Attributes,
    Resolver,
    Stack,
    TemplateError,
    resource_order,
)

BOOTSTRAP_VERSION = "/cdk-bootstrap/hnb659fds/version"


@dataclass(frozen=True)
class FunctionSpec:
    """A deployed Lambda function as the in-process runtime needs it."""

    name: str
    arn: str
    handler: str
    environment: dict[str, str]
    timeout: int
    layers: tuple[str, ...] = ()
    role: str = ""


@dataclass(frozen=True)
class RuleSpec:
    """An EventBridge rule the local clock fires."""

    name: str
    schedule: str
    targets: list[dict[str, Any]]


@dataclass(frozen=True)
class Created:
    """One resource as CloudFormation tracks it: enough to delete it again."""

    stack: str
    logical_id: str
    kind: str
    ref: str
    deletion_policy: str
    properties: dict[str, Any]


class ResourceExists(TemplateError):
    """A resource with the template's fixed name already exists (CREATE_FAILED)."""


@dataclass
class Deployment:
    """Everything the local cloud created, by the names the templates gave."""

    region: str
    outputs: dict[str, str] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    rules: list[RuleSpec] = field(default_factory=list)
    custom_resources: list[dict[str, Any]] = field(default_factory=list)
    api_routes: list[tuple[str, str]] = field(default_factory=list)
    api_models: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    gateway_responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``AWS::ApiGateway::GatewayResponse`` properties by ``ResponseType``."""
    api_function: str | None = None
    stacks: list[str] = field(default_factory=list)
    created: list[Created] = field(default_factory=list)

    def function(self, name_or_arn: str) -> FunctionSpec:
        name = name_or_arn.split(":function:")[-1].split(":")[0]
        try:
            return self.functions[name]
        except KeyError:
            raise KeyError(f"no local function {name!r}") from None


class Provisioner:
    """Creates the resources of each stack in dependency order."""

    def __init__(self, *, region: str, assembly_dir: Path, session: boto3.Session) -> None:
        self.region = region
        self.assembly_dir = assembly_dir
        self.session = session
        self.deployment = Deployment(region=region)
        self._exports: dict[str, str] = {}
        self._handlers: dict[str, Callable[[str, dict[str, Any], Resolver], Attributes]] = {
            "AWS::KMS::Key": self._kms_key,
            "AWS::S3::Bucket": self._bucket,
            "AWS::SNS::Topic": self._topic,
            "AWS::IAM::Role": self._role,
            "AWS::IAM::Policy": self._policy,
            "AWS::S3::BucketPolicy": self._bucket_policy,
            "AWS::SNS::TopicPolicy": self._topic_policy,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::DynamoDB::Table": self._table,
            "AWS::SageMaker::ModelPackageGroup": self._model_package_group,
            "AWS::Lambda::Function": self._function,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::Events::Rule": self._rule,
            "AWS::ApiGateway::RestApi": self._rest_api,
            "AWS::ApiGateway::Resource": self._api_resource,
            "AWS::ApiGateway::Method": self._api_method,
            "AWS::ApiGateway::Model": self._api_model,
            "AWS::ApiGateway::GatewayResponse": self._gateway_response,
            "AWS::ApiGateway::Account": self._api_account,
            "AWS::ApiGateway::Stage": self._api_stage,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::KMS::Alias": self._kms_alias,
        }
        # Generated names differ per deployment, as CloudFormation's random suffixes do.
        self._nonce = uuid.uuid4().hex
        self._api_paths: dict[str, str] = {}
        self._api_model_schemas: dict[str, Any] = {}
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        # One client per service for the whole deploy: creating one costs about 10 ms.
        if service not in self._clients:
            self._clients[service] = self.session.client(service, region_name=self.region)
        return self._clients[service]

    def deploy(self, stacks: list[Stack]) -> Deployment:
        self._bootstrap_environment()
        for stack in stacks:
            self._upload_assets(stack)
            self._deploy_stack(stack)
        return self.deployment

    # -- assets ------------------------------------------------------------------------

    def _upload_assets(self, stack: Stack) -> None:
        s3 = self.client("s3")
        for asset in stack.assets.get("files", {}).values():
            source = self.assembly_dir / asset["source"]["path"]
            body = _zip_dir(source) if asset["source"].get("packaging") == "zip" else None
            for destination in asset["destinations"].values():
                bucket = _bootstrap(destination["bucketName"], self.region)
                self._ensure_bucket(bucket)
                data = body if body is not None else source.read_bytes()
                s3.put_object(Bucket=bucket, Key=destination["objectKey"], Body=data)

    def _ensure_bucket(self, bucket: str) -> None:
        s3 = self.client("s3")
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(**kwargs)

    # -- stacks ------------------------------------------------------------------------

    def _deploy_stack(self, stack: Stack) -> None:
        resolver = Resolver(region=self.region, stack_name=stack.name, exports=self._exports)
        resolver.stack_uuid = str(uuid.uuid4())
        self.deployment.stacks.append(stack.name)
        resolver.mappings = stack.template.get("Mappings", {})
        for name, parameter in stack.template.get("Parameters", {}).items():
            if "Default" in parameter:
                resolver.parameters[name] = self._parameter_value(parameter)
        resolver.evaluate_conditions(stack.template.get("Conditions", {}))
        resolver.check_rules(stack.template.get("Rules", {}))
        for logical_id in resource_order(stack.resources):
            resource = stack.resources[logical_id]
            condition = resource.get("Condition")
            if condition and not resolver.conditions.get(condition, True):
                continue
            kind = resource["Type"]
            handler = self._handlers.get(kind)
            if handler is None and (kind.startswith("Custom::") or kind.endswith("CustomResource")):
                handler = self._custom_resource
            props = resolver.resolve(resource.get("Properties", {}))
            if handler is None:
                attributes = _placeholder(logical_id, kind, self.region)
            else:
                attributes = handler(logical_id, props, resolver)
            resolver.resources[logical_id] = attributes
            self.deployment.created.append(
                Created(
                    stack.name,
                    logical_id,
                    kind,
                    attributes.ref,
                    resource.get("DeletionPolicy", "Delete"),
                    props,
                )
            )
        for key, output in stack.template.get("Outputs", {}).items():
            value = str(resolver.resolve(output["Value"]))
            self.deployment.outputs[key] = value
            export = output.get("Export", {}).get("Name")
            if export:
                self._exports[str(resolver.resolve(export))] = value

    def _parameter_value(self, parameter: dict[str, Any]) -> str:
        """A template parameter's value; SSM-typed ones are read from SSM, as at deploy time."""
        default = _bootstrap(str(parameter["Default"]), self.region)
        if not str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value<"):
            return default
        try:
            public = public_parameter(default, self.region)
        except ParameterNotFound as exc:
            raise TemplateError(str(exc)) from None
        if public is not None:
            return public
        ssm = self.client("ssm")
        try:
            return ssm.get_parameter(Name=default)["Parameter"]["Value"]
        except ssm.exceptions.ParameterNotFound:
            raise TemplateError(f"SSM parameter {default} does not exist") from None

    def _bootstrap_environment(self) -> None:
        """The SSM parameter ``cdk bootstrap`` leaves (its template's version, 33)."""
        ssm = self.client("ssm")
        with contextlib.suppress(ssm.exceptions.ParameterAlreadyExists):
            ssm.put_parameter(Name=BOOTSTRAP_VERSION, Value="33", Type="String")

    # -- resource types ----------------------------------------------------------------

    def _kms_key(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        kwargs = {"Description": props.get("Description", logical_id)}
        if "KeyPolicy" in props:
            kwargs["Policy"] = json.dumps(props["KeyPolicy"])
        key = self.client("kms").create_key(**kwargs)
        meta = key["KeyMetadata"]
        return Attributes(meta["KeyId"], {"Arn": meta["Arn"], "KeyId": meta["KeyId"]})

    def _bucket(self, logical_id: str, props: dict[str, Any], r: Resolver) -> Attributes:
        name = props.get("BucketName") or self._physical(r, logical_id).lower()[:63]
        self._claim("AWS::S3::Bucket", name, lambda: self.client("s3").head_bucket(Bucket=name))
        self._ensure_bucket(name)
        s3 = self.client("s3")
        if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if "BucketEncryption" in props:
            # CloudFormation and the S3 API name the same setting differently.
            rules = [
                {
                    "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                    **(
                        {"BucketKeyEnabled": rule["BucketKeyEnabled"]}
                        if "BucketKeyEnabled" in rule
                        else {}
                    ),
                }
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(
                Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules}
            )
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"],
            )
        return Attributes(
            name,
            {
                "Arn": f"arn:aws:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{self.region}.amazonaws.com",
            },
        )

    def _topic(self, logical_id: str, props: dict[str, Any], r: Resolver) -> Attributes:
        name = props.get("TopicName") or self._physical(r, logical_id)
        sns = self.client("sns")
        topic_arn = f"arn:aws:sns:{self.region}:{ACCOUNT}:{name}"
        self._claim("AWS::SNS::Topic", name, lambda: sns.get_topic_attributes(TopicArn=topic_arn))
        attributes = (
            {"KmsMasterKeyId": props["KmsMasterKeyId"]} if "KmsMasterKeyId" in props else {}
        )
        arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        return Attributes(arn, {"TopicArn": arn, "TopicName": name})

    def _role(self, logical_id: str, props: dict[str, Any], r: Resolver) -> Attributes:
        name = props.get("RoleName") or self._physical(r, logical_id)[:64]
        iam = self.client("iam")
        self._claim("AWS::IAM::Role", name, lambda: iam.get_role(RoleName=name))
        role = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"])
        )["Role"]
        for policy in props.get("Policies", []):
            iam.put_role_policy(
                RoleName=name,
                PolicyName=policy["PolicyName"],
                PolicyDocument=json.dumps(policy["PolicyDocument"]),
            )
        for arn in props.get("ManagedPolicyArns", []):
            _attach_managed(iam, name, arn)
        return Attributes(name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})

    def _policy(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        """An identity policy: what each of its roles may do."""
        document = json.dumps(props["PolicyDocument"])
        for role in props.get("Roles", []):
            self.client("iam").put_role_policy(
                RoleName=role,
                PolicyName=props.get("PolicyName", logical_id),
                PolicyDocument=document,
            )
        return Attributes(logical_id)

    def _bucket_policy(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        self.client("s3").put_bucket_policy(
            Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"])
        )
        return Attributes(logical_id)

    def _topic_policy(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        """A topic policy replaces the topic's default policy, as in CloudFormation."""
        for topic in props.get("Topics", []):
            self.client("sns").set_topic_attributes(
                TopicArn=topic,
                AttributeName="Policy",
                AttributeValue=json.dumps(props["PolicyDocument"]),
            )
        return Attributes(logical_id)

    def _alarm(self, logical_id: str, props: dict[str, Any], r: Resolver) -> Attributes:
        """Alarms are stored (moto never evaluates them) so their actions can be fired."""
        name = props.get("AlarmName") or self._physical(r, logical_id)
        kwargs = {k: v for k, v in props.items() if k in _ALARM_FIELDS}
        for number in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if number in kwargs:
                kwargs[number] = int(kwargs[number])
        if "Threshold" in kwargs:
            kwargs["Threshold"] = float(kwargs["Threshold"])
        self.client("cloudwatch").put_metric_alarm(AlarmName=name, **kwargs)
        arn = f"arn:aws:cloudwatch:{self.region}:{ACCOUNT}:alarm:{name}"
        return Attributes(name, {"Arn": arn})

    def _table(self, logical_id: str, props: dict[str, Any], r: Resolver) -> Attributes:
        name = props.get("TableName") or self._physical(r, logical_id)
        self._claim(
            "AWS::DynamoDB::Table",
            name,
            lambda: self.client("dynamodb").describe_table(TableName=name),
        )
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        for optional in ("ProvisionedThroughput", "GlobalSecondaryIndexes"):
            if optional in props:
                kwargs[optional] = props[optional]
        table = self.client("dynamodb").create_table(**kwargs)["TableDescription"]
        return Attributes(name, {"Arn": table["TableArn"]})

    def _model_package_group(self, _: str, props: dict[str, Any], __: Resolver) -> Attributes:
        name = props["ModelPackageGroupName"]
        self._claim(
            "AWS::SageMaker::ModelPackageGroup",
            name,
            lambda: self.client("sagemaker").describe_model_package_group(
                ModelPackageGroupName=name
            ),
        )
        arn = self.client("sagemaker").create_model_package_group(
            ModelPackageGroupName=name,
            ModelPackageGroupDescription=props.get("ModelPackageGroupDescription", name),
        )["ModelPackageGroupArn"]
        return Attributes(arn, {"ModelPackageGroupArn": arn, "ModelPackageGroupName": name})

    def _function(self, logical_id: str, props: dict[str, Any], r: Resolver) -> Attributes:
        name = props.get("FunctionName") or self._physical(r, logical_id)[:64]
        self._claim(
            "AWS::Lambda::Function",
            name,
            lambda: self.client("lambda").get_function(FunctionName=name),
        )
        environment = props.get("Environment", {}).get("Variables", {})
        code = props["Code"]
        code_arg = (
            {"S3Bucket": code["S3Bucket"], "S3Key": code["S3Key"]}
            if "S3Bucket" in code
            else {"ZipFile": _zip_inline(code.get("ZipFile", ""))}
        )
        arn = self.client("lambda").create_function(
            FunctionName=name,
            Runtime=props.get("Runtime", "python3.11"),
            Role=props["Role"],
            Handler=props.get("Handler", "index.handler"),
            Code=code_arg,
            Timeout=int(props.get("Timeout", 3)),
            MemorySize=int(props.get("MemorySize", 128)),
            Environment={"Variables": {k: str(v) for k, v in environment.items()}},
        )["FunctionArn"]
        self.deployment.functions[name] = FunctionSpec(
            name=name,
            arn=arn,
            handler=props.get("Handler", ""),
            environment={k: str(v) for k, v in environment.items()},
            timeout=int(props.get("Timeout", 3)),
            layers=_known_layers(name, props.get("Layers", [])),
            role=props["Role"],
        )
        return Attributes(name, {"Arn": arn})

    def _state_machine(self, logical_id: str, props: dict[str, Any], r: Resolver) -> Attributes:
        name = props.get("StateMachineName") or self._physical(r, logical_id)
        arn = f"arn:aws:states:{self.region}:{ACCOUNT}:stateMachine:{name}"
        self._claim(
            "AWS::StepFunctions::StateMachine",
            name,
            lambda: self.client("stepfunctions").describe_state_machine(stateMachineArn=arn),
        )
        definition = props.get("DefinitionString")
        if definition is None:
            definition = json.dumps(props["Definition"])
        arn = self.client("stepfunctions").create_state_machine(
            name=name, definition=definition, roleArn=props["RoleArn"]
        )["stateMachineArn"]
        return Attributes(arn, {"Arn": arn, "Name": name})

    def _rule(self, logical_id: str, props: dict[str, Any], r: Resolver) -> Attributes:
        name = props.get("Name") or self._physical(r, logical_id)[:64]
        events = self.client("events")
        self._claim("AWS::Events::Rule", name, lambda: events.describe_rule(Name=name))
        kwargs: dict[str, Any] = {"Name": name, "State": props.get("State", "ENABLED")}
        if "ScheduleExpression" in props:
            kwargs["ScheduleExpression"] = props["ScheduleExpression"]
        if "EventPattern" in props:
            kwargs["EventPattern"] = json.dumps(props["EventPattern"])
        arn = events.put_rule(**kwargs)["RuleArn"]
        targets = props.get("Targets", [])
        if targets:
            events.put_targets(Rule=name, Targets=targets)
        if "ScheduleExpression" in props and props.get("State", "ENABLED") == "ENABLED":
            self.deployment.rules.append(RuleSpec(name, props["ScheduleExpression"], targets))
        return Attributes(name, {"Arn": arn})

    def _rest_api(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        api_id = hashlib.sha1(logical_id.encode()).hexdigest()[:10]
        root = f"{api_id}-root"
        self._api_paths[root] = ""
        return Attributes(api_id, {"RootResourceId": root})

    def _api_resource(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        path = f"{self._api_paths.get(props['ParentId'], '')}/{props['PathPart']}"
        self._api_paths[logical_id] = path
        return Attributes(logical_id, {"ResourceId": logical_id})

    def _api_method(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        method = props["HttpMethod"]
        path = self._api_paths.get(props["ResourceId"], "") or "/"
        integration = props.get("Integration", {})
        if method != "OPTIONS" and integration.get("Type") == "AWS_PROXY":
            self.deployment.api_routes.append((method, path))
            uri = str(integration.get("Uri", ""))
            self.deployment.api_function = uri.split(":function:")[-1].split("/")[0]
            model = (props.get("RequestModels") or {}).get("application/json")
            if model in self._api_model_schemas:
                self.deployment.api_models[(method, path)] = self._api_model_schemas[model]
        return Attributes(logical_id)

    def _api_model(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        name = props.get("Name") or logical_id
        self._api_model_schemas[name] = props.get("Schema", {})
        return Attributes(name)

    def _gateway_response(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        self.deployment.gateway_responses[props["ResponseType"]] = props
        return Attributes(logical_id)

    def _log_group(self, logical_id: str, props: dict[str, Any], r: Resolver) -> Attributes:
        name = props.get("LogGroupName") or self._physical(r, logical_id)
        logs = self.client("logs")

        def exists() -> None:
            found = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            if not any(g["logGroupName"] == name for g in found):
                raise ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "Describe")

        self._claim("AWS::Logs::LogGroup", name, exists)
        logs.create_log_group(logGroupName=name)
        arn = f"arn:aws:logs:{self.region}:{ACCOUNT}:log-group:{name}:*"
        return Attributes(name, {"Arn": arn})

    def _kms_alias(self, _: str, props: dict[str, Any], __: Resolver) -> Attributes:
        name = props["AliasName"]
        kms = self.client("kms")
        self._claim("AWS::KMS::Alias", name, lambda: kms.describe_key(KeyId=name))
        kms.create_alias(AliasName=name, TargetKeyId=props["TargetKeyId"])
        return Attributes(name)

    def _api_account(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        """The region's one API Gateway account setting: deploying it replaces the role."""
        role = props.get("CloudWatchRoleArn", "")
        self.client("apigateway").update_account(
            patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
        )
        return Attributes(logical_id)

    def _api_stage(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        """API Gateway refuses stage logging until the account names a CloudWatch role."""
        logging = "AccessLogSetting" in props or any(
            s.get("LoggingLevel", "OFF") != "OFF" for s in props.get("MethodSettings", [])
        )
        account = self.client("apigateway").get_account()
        if logging and not account.get("cloudwatchRoleArn"):
            raise TemplateError(
                f"CREATE_FAILED {logical_id} (AWS::ApiGateway::Stage): CloudWatch Logs role "
                "ARN must be set in account settings to enable logging"
            )
        return Attributes(props.get("StageName", logical_id))

    def _claim(self, kind: str, name: str, describe: Callable[[], object]) -> None:
        """Refuse a name that exists already, as CloudFormation does (even a retained one)."""
        try:
            describe()
        except ClientError:
            return
        raise ResourceExists(
            f"CREATE_FAILED: Resource of type '{kind}' with identifier '{name}' already exists."
        )

    def _physical(self, r: Resolver, logical_id: str) -> str:
        digest = hashlib.sha1(f"{r.stack_name}/{logical_id}/{self._nonce}".encode()).hexdigest()
        return f"{r.stack_name}-{logical_id}-{digest[:8]}"

    def _custom_resource(self, logical_id: str, props: dict[str, Any], _: Resolver) -> Attributes:
        self.deployment.custom_resources.append({"logical_id": logical_id, **props})
        return Attributes(logical_id)


def _known_layers(function: str, layers: list[str]) -> tuple[str, ...]:
    """The function's layers; one the local cloud cannot say the contents of is refused."""
    for arn in layers:
        if layer_contents(arn) is None:
            raise TemplateError(
                f"function {function}: layer {arn} is not one the local cloud knows"
            )
    return tuple(layers)


_ALARM_FIELDS = {
    "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
    "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit",
    "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator",
    "TreatMissingData", "Metrics",
}  # fmt: skip


def _attach_managed(iam: Any, role: str, arn: str) -> None:
    """Attach a managed policy; an AWS-managed one moto has not loaded goes in as its document."""
    if ":aws:policy/" not in arn:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        return
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    name = arn.rsplit("/", 1)[-1]
    policy = json.loads(aws_managed_policies_data).get(name)
    if policy is None:
        raise TemplateError(f"unknown AWS managed policy {arn}")
    iam.put_role_policy(
        RoleName=role,
        PolicyName=f"aws-managed-{name}",
        PolicyDocument=json.dumps(policy["Document"]),
    )


def _placeholder(logical_id: str, kind: str, region: str) -> Attributes:
    service = kind.split("::")[1].lower() if "::" in kind else "local"
    arn = f"arn:aws:{service}:{region}:{ACCOUNT}:{logical_id}"
    return Attributes(
        logical_id, {"Arn": arn, "Name": logical_id, "RootResourceId": f"{logical_id}-root"}
    )


def _bootstrap(text: str, region: str) -> str:
    """Fill the placeholders CDK leaves in bootstrap names and asset destinations."""
    return (
        text.replace("${AWS::AccountId}", ACCOUNT)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", "aws")
    )


def _zip_dir(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            archive.write(file, file.relative_to(path).as_posix())
    return buffer.getvalue()


def _zip_inline(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


__all__ = [
    "Created",
    "Deployment",
    "FunctionSpec",
    "Provisioner",
    "ResourceExists",
    "RuleSpec",
    "TemplateError",
]
