"""The layers the functions deploy with carry the libraries the tests ran on."""

from __future__ import annotations

import importlib.metadata
import tomllib
from typing import Any

import pytest
from packaging.requirements import Requirement

from infra.config import ROOT
from shadowloop.localcloud.cloud import REGION
from shadowloop.localcloud.managed_layers import LayerRelease, layer_contents, public_parameter

from .conftest import Synthesized

SSM_TYPE = "AWS::SSM::Parameter::Value<String>"


def _pinned(distribution: str) -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(text) for text in project["dependencies"]]
    return next(r for r in requirements if r.name == distribution)


def _deployed_layers(synthesized: Synthesized) -> dict[str, LayerRelease]:
    """Each function's layers, as its stack's SSM parameters resolve them at deploy time."""
    found = {}
    for name, template in synthesized.templates.items():
        parameters: dict[str, Any] = template.to_json().get("Parameters", {})
        functions = template.find_resources("AWS::Lambda::Function")
        for logical_id, function in functions.items():
            for index, layer in enumerate(function["Properties"].get("Layers", [])):
                parameter = parameters[layer["Ref"]]
                assert parameter["Type"] == SSM_TYPE, f"{name}/{logical_id} layer {index}"
                arn = public_parameter(parameter["Default"], REGION)
                found[f"{name}/{logical_id}/{index}"] = layer_contents(arn)
    return found


def test_every_layer_is_read_from_a_public_ssm_parameter_at_deploy_time(
    synthesized: Synthesized,
) -> None:
    layers = _deployed_layers(synthesized)

    libraries = {library.name for release in layers.values() for library in release.libraries}
    assert libraries == {"aws-lambda-powertools", "numpy", "pyarrow"}


def test_the_pinned_powertools_is_the_one_the_deployed_layer_carries(
    synthesized: Synthesized,
) -> None:
    # Given the Powertools that pyproject.toml pins (the one the tests run on)
    pin = _pinned("aws-lambda-powertools")
    (pinned,) = (spec.version for spec in pin.specifier if spec.operator == "==")

    # Then every function's Powertools layer resolves to exactly that release
    versions = {
        where: library.version
        for where, release in _deployed_layers(synthesized).items()
        if (library := release.library("aws-lambda-powertools"))
    }
    assert versions, "no function has a Powertools layer"
    assert set(versions.values()) == {pinned}, versions
    assert importlib.metadata.version("aws-lambda-powertools") == pinned


@pytest.mark.parametrize("name", ["numpy", "pyarrow"])
def test_the_pinned_library_is_the_feature_release_the_pandas_layer_carries(
    synthesized: Synthesized, name: str
) -> None:
    pin = _pinned(name).specifier
    libraries = [
        library
        for release in _deployed_layers(synthesized).values()
        if (library := release.library(name))
    ]

    assert libraries, f"no function has the layer with {name}"
    library = libraries[0]
    assert all(other == library for other in libraries)
    major, minor, _ = (int(part) for part in library.version.split("."))
    assert pin.contains(library.version)
    assert not pin.contains(f"{major}.{minor + 1}.0"), "the pin admits the next feature release"
    assert library.serves(importlib.metadata.version(name))
