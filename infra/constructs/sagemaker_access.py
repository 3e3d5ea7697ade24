"""Least-privilege SageMaker statements, scoped to the project's names and model package group."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.nag import ANY_RESOURCE, MODEL_PACKAGES, project_serving, suppress_wildcards

SERVING_RESOURCES = ("endpoint", "endpoint-config", "model")


def sagemaker_arn(scope: Construct, resource: str, name: str) -> str:
    """``arn:...:sagemaker:<region>:<account>:<resource>/<name>`` in ``scope``'s stack."""
    return Stack.of(scope).format_arn(service="sagemaker", resource=resource, resource_name=name)


def endpoint_arn(scope: Construct, endpoint_name: str) -> str:
    return sagemaker_arn(scope, "endpoint", endpoint_name)


def _serving_arns(scope: Construct, prefix: str) -> list[str]:
    return [sagemaker_arn(scope, resource, f"{prefix}-*") for resource in SERVING_RESOURCES]


def _package_arns(scope: Construct, group: str) -> list[str]:
    return [
        sagemaker_arn(scope, "model-package-group", group),
        sagemaker_arn(scope, "model-package", f"{group}/*"),
    ]


def allow_describe_serving(role: iam.IRole, *, prefix: str, group: str) -> None:
    """Read the project's endpoint, configs, models and the group's model packages."""
    suppress_wildcards(
        role,
        "Describe calls on the project's own endpoint, configs and models (named with the "
        "project prefix) and on the group's model packages.",
        project_serving(prefix),
        MODEL_PACKAGES,
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=[
                "sagemaker:DescribeEndpoint",
                "sagemaker:DescribeEndpointConfig",
                "sagemaker:DescribeModel",
            ],
            resources=_serving_arns(role, prefix),
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["sagemaker:DescribeModelPackage"],
            resources=_package_arns(role, group),
        )
    )


def allow_list_packages(role: iam.IRole, *, group: str) -> None:
    """List and describe the group's model packages (to find the champion and its lineage)."""
    suppress_wildcards(
        role,
        "sagemaker:ListModelPackages supports no resource scope; describe calls are limited "
        "to the group's packages.",
        ANY_RESOURCE,
        MODEL_PACKAGES,
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["sagemaker:ListModelPackages"],
            # ListModelPackages supports no resource-level scoping.
            resources=["*"],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["sagemaker:DescribeModelPackage"],
            resources=_package_arns(role, group),
        )
    )


def allow_register(role: iam.IRole, *, group: str) -> None:
    """Create (and tag) model packages in the group."""
    suppress_wildcards(role, "New packages get version numbers in the group.", MODEL_PACKAGES)
    role.add_to_principal_policy(
        iam.PolicyStatement(
            # Describe reads back the version number the registry assigned.
            actions=[
                "sagemaker:CreateModelPackage",
                "sagemaker:DescribeModelPackage",
                "sagemaker:AddTags",
            ],
            resources=_package_arns(role, group),
        )
    )


def allow_endpoint_management(
    role: iam.IRole, *, prefix: str, group: str, sagemaker_role: iam.IRole
) -> None:
    """Create, update and delete the project's endpoint, its configs and models."""
    suppress_wildcards(
        role,
        "The deploy function manages only the project's endpoint, configs and models "
        "(named with the project prefix) and the group's model packages; ListModels and "
        "ListEndpointConfigs, used to clean up on stack deletion, support no resource scope.",
        project_serving(prefix),
        MODEL_PACKAGES,
        ANY_RESOURCE,
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=[
                f"sagemaker:{verb}{resource}"
                for verb in ("Create", "Delete", "Describe")
                for resource in ("Endpoint", "EndpointConfig", "Model")
            ]
            + ["sagemaker:UpdateEndpoint", "sagemaker:AddTags", "sagemaker:ListTags"],
            resources=_serving_arns(role, prefix),
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            # Finding what to clean up on stack deletion; List* supports no resource scoping.
            actions=["sagemaker:ListModels", "sagemaker:ListEndpointConfigs"],
            resources=["*"],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"],
            resources=_package_arns(role, group),
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=[sagemaker_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
    )
