"""The local cloud refuses what the deployed layers lack: unknown parameters, other versions,
missing libraries."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from shadowloop.localcloud.functions import FunctionFailed, FunctionRuntime
from shadowloop.localcloud.lambda_imports import third_party_imports
from shadowloop.localcloud.managed_layers import (
    RELEASES,
    Library,
    ParameterNotFound,
    layer_contents,
    public_parameter,
)
from shadowloop.localcloud.provision import Deployment, FunctionSpec

REGION = "us-east-1"
POWERTOOLS_PARAMETER = "/aws/service/powertools/python/arm64/python3.11/3.37.0"
AWS_SDK_PANDAS_PARAMETER = "/aws/service/aws-sdk-pandas/3.17.0/py3.11/arm64/layer-arn"
ECHO = "tests.integration.localcloud.sample_handlers.echo"
# The Powertools layer the stacks used to hard-code: Powertools 3.23.0, without
# ``status_code=`` on route decorators.
OLD_POWERTOOLS_LAYER = (
    "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-arm64:27"
)
INSTALLED_POWERTOOLS = importlib.metadata.version("aws-lambda-powertools")


def _runtime(tmp_path: Path, handler: str, *layers: str) -> FunctionRuntime:
    deployment = Deployment(region=REGION)
    arn = f"arn:aws:lambda:{REGION}:123456789012:function:api"
    deployment.functions["api"] = FunctionSpec("api", arn, handler, {}, 3, layers=layers)
    return FunctionRuntime(deployment, log_dir=tmp_path)


def test_the_pinned_powertools_parameter_names_a_layer_of_that_release() -> None:
    arn = public_parameter(POWERTOOLS_PARAMETER, REGION)

    release = layer_contents(arn)
    assert arn.startswith("arn:aws:lambda:us-east-1:017000801446:layer:")
    assert release.libraries == (Library("aws-lambda-powertools", "3.37.0"),)


def test_the_pandas_layer_comes_from_another_account_in_newer_regions() -> None:
    assert public_parameter(AWS_SDK_PANDAS_PARAMETER, "ap-east-1") == (
        "arn:aws:lambda:ap-east-1:839552336658:layer:AWSSDKPandas-Python311-Arm64:29"
    )
    assert public_parameter(AWS_SDK_PANDAS_PARAMETER, REGION).endswith(
        ":336392948345:layer:AWSSDKPandas-Python311-Arm64:33"
    )


def test_a_release_without_a_parameter_or_a_region_without_the_layer_is_not_found() -> None:
    with pytest.raises(ParameterNotFound, match="3.23.0 does not exist in us-east-1"):
        public_parameter("/aws/service/powertools/python/arm64/python3.11/3.23.0", REGION)
    with pytest.raises(ParameterNotFound, match="does not exist in mx-central-1"):
        public_parameter(AWS_SDK_PANDAS_PARAMETER, "mx-central-1")


def test_an_account_parameter_is_not_a_public_one() -> None:
    assert public_parameter("/cdk-bootstrap/hnb659fds/version", REGION) is None


def test_the_runtime_runs_a_function_whose_layer_carries_the_installed_powertools(
    tmp_path: Path,
) -> None:
    layer = public_parameter(POWERTOOLS_PARAMETER, REGION)
    runtime = _runtime(tmp_path, ECHO, layer)

    assert runtime.invoke("api", {"ok": True}) == {"event": {"ok": True}, "function": "api"}


def test_the_runtime_refuses_a_function_whose_layer_carries_another_powertools(
    tmp_path: Path,
) -> None:
    # Given the API handler on the old layer (3.23.0) and this process's Powertools
    runtime = _runtime(tmp_path, "lambdas.api.handler.handler", OLD_POWERTOOLS_LAYER)

    # When it is invoked, Then it fails to import as on Lambda, naming both versions
    with pytest.raises(FunctionFailed) as failure:
        runtime.invoke("api", {})
    assert failure.value.error_type == "Runtime.ImportModuleError"
    assert "aws-lambda-powertools 3.23.0" in failure.value.message
    assert f"this process has {INSTALLED_POWERTOOLS}" in failure.value.message
    assert "'lambdas.api.handler'" in failure.value.message


def test_the_runtime_runs_numpy_functions_on_the_pandas_layer(tmp_path: Path) -> None:
    layer = public_parameter(AWS_SDK_PANDAS_PARAMETER, REGION)
    runtime = _runtime(tmp_path, ECHO, layer)

    assert runtime.invoke("api", [1]) == {"event": [1], "function": "api"}


@pytest.mark.parametrize(
    ("installed", "served"), [("2.2.6", True), ("2.2.1", True), ("2.3.0", False), ("2.4.6", False)]
)
def test_numpy_must_be_the_layers_feature_release(installed: str, served: bool) -> None:
    (numpy,) = (release.library("numpy") for release in RELEASES if release.library("numpy"))

    assert numpy.serves(installed) is served


def test_powertools_must_be_the_layers_exact_release() -> None:
    release = layer_contents(public_parameter(POWERTOOLS_PARAMETER, REGION))

    assert release.library("aws-lambda-powertools").serves("3.37.0")
    assert not release.library("aws-lambda-powertools").serves("3.37.1")


def test_the_runtime_refuses_a_numpy_function_deployed_without_the_pandas_layer(
    tmp_path: Path,
) -> None:
    # Given the drift check, which imports numpy, with only the Powertools layer
    layer = public_parameter(POWERTOOLS_PARAMETER, REGION)
    runtime = _runtime(tmp_path, "lambdas.drift_check.handler.handler", layer)

    # When it is invoked, Then the import fails as on Lambda, naming the missing module
    with pytest.raises(FunctionFailed) as failure:
        runtime.invoke("api", {})
    assert failure.value.error_type == "Runtime.ImportModuleError"
    assert "No module named 'numpy'" in failure.value.message


def test_a_handlers_imports_are_read_through_its_own_package() -> None:
    # The drift check reaches numpy only through lambdas.shared.drift.
    imported = third_party_imports("lambdas.drift_check.handler")
    assert imported == {"aws_lambda_powertools", "boto3", "botocore", "numpy"}
    assert "numpy" not in third_party_imports("lambdas.api.handler")
