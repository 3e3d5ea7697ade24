"""The AWS-managed public layers, resolved from their publishers' SSM parameters at deploy time.

Each publisher keeps one public parameter per release and region whose value is that
release's layer version ARN, so a template that names the parameter gets exactly the
pinned release in whichever region it deploys to, without a hard-coded account or
layer number. The function asset stays plain source.
"""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct

# Every function runs on these; the layers are published per runtime and architecture.
RUNTIME = lambda_.Runtime.PYTHON_3_11
ARCHITECTURE = lambda_.Architecture.ARM_64
# pyproject.toml pins the same version; tests/infra/test_layers.py holds them together.
POWERTOOLS_VERSION = "3.37.0"
# Carries numpy 2.2 (its uv.lock at the release tag), the numpy pyproject.toml pins.
AWS_SDK_PANDAS_VERSION = "3.17.0"

POWERTOOLS_PARAMETER = (
    f"/aws/service/powertools/python/{ARCHITECTURE.name}/{RUNTIME.name}/{POWERTOOLS_VERSION}"
)
AWS_SDK_PANDAS_PARAMETER = (
    f"/aws/service/aws-sdk-pandas/{AWS_SDK_PANDAS_VERSION}/"
    f"{RUNTIME.name.replace('python', 'py')}/{ARCHITECTURE.name}/layer-arn"
)


def managed_layer(scope: Construct, construct_id: str, parameter: str) -> lambda_.ILayerVersion:
    """The layer a public SSM parameter names, read when the stack deploys.

    CDK turns the plain parameter name into a template parameter of type
    ``AWS::SSM::Parameter::Value<String>``, which CloudFormation resolves in the
    stack's own region on every deployment.
    """
    arn = ssm.StringParameter.value_for_string_parameter(scope, parameter)
    return lambda_.LayerVersion.from_layer_version_arn(scope, construct_id, arn)
