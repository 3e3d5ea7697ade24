"""constraints.txt locks what the suite runs on, so a fresh install gets the tested versions."""

from __future__ import annotations

import importlib.metadata
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra.config import ROOT


def _locked() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pins}


def _direct_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [text for extra in project["optional-dependencies"].values() for text in extra]
    return [Requirement(text) for text in project["dependencies"] + extras]


def test_every_direct_dependency_is_locked_at_a_version_pyproject_allows() -> None:
    locked = _locked()

    for requirement in _direct_requirements():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in constraints.txt: run `make constraints`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"constraints.txt locks {name} {locked[name]}, pyproject.toml wants {requirement}"
        )


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def test_this_environment_runs_the_locked_versions() -> None:
    installed = {name: _installed(name) for name in _locked()}
    drift = {
        name: (version, installed[name])
        for name, version in _locked().items()
        if installed[name] not in (None, version)
    }

    assert not drift, f"installed versions differ from constraints.txt (locked, installed): {drift}"
