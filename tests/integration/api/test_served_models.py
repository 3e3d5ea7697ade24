"""Which package answered: cached for a minute, refreshed when the endpoint config changes."""

from __future__ import annotations

import boto3
import pytest

from lambdas.api import errors
from lambdas.api.models import ServedModels
from tests.integration.api.conftest import ENDPOINT, LINEAGE, deploy, register_package


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def promote(package_arn: str) -> None:
    boto3.client("sagemaker").delete_endpoint(EndpointName=ENDPOINT)
    deploy(package_arn, config_name="shadowloop-dev-config-2")


def test_the_package_is_kept_for_the_ttl_then_follows_the_new_config(champion):
    # Given a cache that has looked up the champion
    clock = Clock()
    cache = ServedModels(ttl=60, clock=clock)
    sagemaker = boto3.client("sagemaker")
    assert cache.package(sagemaker, ENDPOINT, "champion").arn == champion

    # When a promotion serves a new package under a new config
    promoted = register_package({**LINEAGE, "run_id": "run-2"})
    promote(promoted)

    # Then the cached answer holds for the TTL, and the new package is named after it
    clock.now = 59
    assert cache.package(sagemaker, ENDPOINT, "champion").arn == champion
    clock.now = 61
    package = cache.package(sagemaker, ENDPOINT, "champion")
    assert (package.arn, package.version, package.lineage["run_id"]) == (promoted, 2, "run-2")


def test_an_unknown_variant_has_no_package(champion):
    cache = ServedModels()

    assert cache.package(boto3.client("sagemaker"), ENDPOINT, "blue") is None


def test_a_missing_endpoint_is_no_model_deployed(aws):
    with pytest.raises(errors.EndpointMissing, match="endpoint 'shadowloop-dev' does not exist"):
        ServedModels().package(boto3.client("sagemaker"), ENDPOINT, "champion")
