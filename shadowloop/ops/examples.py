"""The example data generator that ships with training/ (the same file SageMaker runs)."""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from types import ModuleType
from typing import Any

from infra.config import ROOT


@lru_cache(maxsize=1)
def _module() -> ModuleType:
    # Loaded by path: training/ is a directory of container scripts, not a package.
    path = ROOT / "training" / "data.py"
    spec = importlib.util.spec_from_file_location("shadowloop_training_data", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def scenarios() -> tuple[str, ...]:
    return tuple(_module().SCENARIOS)


def generate(scenario: str, *, rows: int, seed: int) -> Any:
    return _module().generate(scenario, rows=rows, seed=seed)
