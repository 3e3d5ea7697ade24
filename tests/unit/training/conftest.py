"""Run the training scripts' modules as SageMaker does: from the code dir, by plain name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TRAINING_DIR = Path(__file__).resolve().parents[3] / "training"
if str(TRAINING_DIR) not in sys.path:
    sys.path.insert(0, str(TRAINING_DIR))

import data  # noqa: E402
import modelspec  # noqa: E402
import train  # noqa: E402

from infra.config import load_from_cdk_json  # noqa: E402

ROWS = 3000


@pytest.fixture(scope="session")
def training_dir() -> Path:
    """The code dir SageMaker extracts sourcedir.tar.gz into."""
    return TRAINING_DIR


@pytest.fixture(scope="session")
def spec_dict() -> dict:
    """The model spec's wire form, exactly as the deployed config produces it."""
    return load_from_cdk_json().model.to_dict()


@pytest.fixture(scope="session")
def spec(spec_dict) -> modelspec.ModelSpec:
    return modelspec.parse(spec_dict)


@pytest.fixture(scope="session")
def baseline_frame():
    return data.generate("baseline", rows=ROWS, seed=0)


@pytest.fixture(scope="session")
def monsoon_frame():
    return data.generate("monsoon", rows=ROWS, seed=1)


@pytest.fixture(scope="session")
def baseline_pipeline(baseline_frame, spec):
    return train.fit(baseline_frame, spec, {})


@pytest.fixture(scope="session")
def monsoon_pipeline(monsoon_frame, spec):
    return train.fit(monsoon_frame, spec, {})
