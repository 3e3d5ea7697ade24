"""The lineage keys: a retraining-built dataset version's lineage document and a package's.

The document at ``layout.lineage_key(dataset, version_id)`` holds :data:`DOCUMENT_KEYS`
(PrepareRetrainingData's answer, plus the dataset, run and every inference id it holds).
A registered model package carries :data:`PACKAGE_PROPERTIES` in its
``CustomerMetadataProperties``; ``version_id`` is the dataset version it trained on.
"""

from __future__ import annotations

from lambdas.shared.contracts import steps

DATASET = "dataset"
VERSION_ID = "version_id"
BASE_VERSION_ID = "base_version_id"
RUN_ID = "run_id"
INFERENCE_IDS = "inference_ids"

DOCUMENT_KEYS = (DATASET, RUN_ID, *steps.PREPARE_RETRAINING_DATA.result, INFERENCE_IDS)
# S3 object metadata on a retraining-built version: what it was built from, and by which run.
OBJECT_METADATA = ("source", BASE_VERSION_ID, RUN_ID)

# The lineage every registered package carries, in this order.
PACKAGE_PROPERTIES = (
    DATASET,
    "dataset_uri",
    VERSION_ID,
    "snapshot_uri",
    "code_version",
    "trigger",
    RUN_ID,
    "training_job",
    "metric",
    "metric_value",
    "champion_metric_value",
    "champion_model_package_arn",
    "evaluation_uri",
    "baseline_uri",
    "calibration_uri",
    "validation_report_uri",
    "bias_report_uri",
    "fairness",
)
