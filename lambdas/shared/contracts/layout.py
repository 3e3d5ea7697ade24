"""The S3 key layout (docs/architecture.md "S3 layout"): one function per key family.

``training/`` ships alone to SageMaker and keeps its own copy of the file names it writes
(``evaluation.json``, ``calibration.json``, ``bias.json``); the keys here match them.
"""

from __future__ import annotations

# --- the data bucket --------------------------------------------------------------------


def dataset_key(dataset: str) -> str:
    """The versioned CSV whose S3 VersionIds are the dataset versions."""
    return f"datasets/{dataset}/data.csv"


def lineage_key(dataset: str, version_id: str) -> str:
    """Where a retraining-built dataset version records what it was built from."""
    return f"datasets/{dataset}/lineage/{version_id}.json"


def snapshot_key(dataset: str, version_id: str) -> str:
    """The immutable copy of one dataset version that a run trains on."""
    return f"snapshots/{dataset}/{version_id}/data.csv"


def report_prefix(dataset: str) -> str:
    """Where the validation reports on a dataset's versions are (a processing output's prefix)."""
    return f"reports/validation/{dataset}/"


def report_key(dataset: str, version_id: str) -> str:
    """ValidateData's report on one dataset version."""
    return f"{report_prefix(dataset)}{version_id}.json"


# --- the artifact bucket ----------------------------------------------------------------

RUNS_PREFIX = "runs"
EVALUATION_FILE = "evaluation.json"
# The evaluation job writes a classifier's calibration beside evaluation.json
# (training/calibration.py names the same file).
CALIBRATION_FILE = "calibration.json"


def run_prefix(run_id: str, folder: str) -> str:
    """``runs/{run_id}/{folder}/``: one stage's artifacts of one run."""
    return f"{RUNS_PREFIX}/{run_id}/{folder}/"


def champion_prefix(run_id: str) -> str:
    """ResolveChampion's copy of the champion (champion.json, model.tar.gz)."""
    return run_prefix(run_id, "champion")


def evaluation_key(run_id: str) -> str:
    """The evaluation processing job's report."""
    return run_prefix(run_id, "evaluation") + EVALUATION_FILE


def baseline_key(run_id: str) -> str:
    """ComputeBaseline's per-feature statistics of the training snapshot."""
    return run_prefix(run_id, "baseline") + "statistics.json"


PROMOTION_STATE_PREFIX = "monitoring/promotion-state/"


def promotion_state_key(endpoint_config_name: str) -> str:
    """The promotion check's tally of one challenger's folded hours (its endpoint config)."""
    return f"{PROMOTION_STATE_PREFIX}{endpoint_config_name}.json"
