"""Run the training scripts' modules as SageMaker does: from the code dir, by plain name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

TRAINING_DIR = Path(__file__).resolve().parents[3] / "training"
if str(TRAINING_DIR) not in sys.path:
    sys.path.insert(0, str(TRAINING_DIR))

import modelspec  # noqa: E402
import train  # noqa: E402

from infra.config import load_from_cdk_json  # noqa: E402
from shadowloop.ops import examples  # noqa: E402

ROWS = 3000


@pytest.fixture(scope="session", autouse=True)
def _one_openmp_thread():
    """Boosting with OpenMP threads on a busy 2-core machine spins for seconds per fit."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


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
    return examples.generate("baseline", rows=ROWS, seed=0)


@pytest.fixture(scope="session")
def monsoon_frame():
    return examples.generate("monsoon", rows=ROWS, seed=1)


@pytest.fixture(scope="session")
def baseline_pipeline(baseline_frame, spec):
    return train.fit(baseline_frame, spec, {})


@pytest.fixture(scope="session")
def monsoon_pipeline(monsoon_frame, spec):
    return train.fit(monsoon_frame, spec, {})


@pytest.fixture(scope="session")
def late_spec(spec_dict) -> modelspec.ModelSpec:
    """A classification spec on the same orders: is the delivery late (over 30 minutes)?"""
    return modelspec.parse(
        {
            **spec_dict,
            "target": "late",
            "task": "classification",
            "metric": "roc_auc",
            "direction": "maximize",
        }
    )


@pytest.fixture(scope="session")
def late_frame(baseline_frame):
    return baseline_frame.assign(late=baseline_frame["delivery_minutes"] > 30)


@pytest.fixture(scope="session")
def late_pipeline(late_frame, late_spec):
    return train.fit(late_frame, late_spec, {"n_estimators": 30})
