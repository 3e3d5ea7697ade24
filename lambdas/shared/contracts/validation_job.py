"""The validation processing job's wire format: its paths, arguments and ExitMessage.

A snapshot too large for the ValidateData and ComputeBaseline Lambdas is validated and
summarised by one processing job running :mod:`lambdas.validate_data.job`. The job
*completes* whether the dataset passed or not, so SageMaker uploads the report either way
(a Failed job's outputs are not uploaded); the verdict is the job's ExitMessage, the first
1 KB of ``/opt/ml/output/message``: ``{"rows": n}`` when it passed, ``{"rows": n,
"error": "DatasetInvalid", "cause": message}`` when it did not. A job that crashes is Failed,
with SageMaker's FailureReason, like any other job.
"""

from __future__ import annotations

import json
from typing import Any

ENTRY_MODULE = "lambdas.validate_data.job"
INPUT_DIR = "/opt/ml/processing/input"
CODE_DIR = f"{INPUT_DIR}/code"
DATA_DIR = f"{INPUT_DIR}/data"
SPEC_DIR = f"{INPUT_DIR}/spec"
REPORT_DIR = "/opt/ml/processing/output/report"
BASELINE_DIR = "/opt/ml/processing/output/baseline"
MESSAGE_FILE = "/opt/ml/output/message"
# The job's arguments, each followed by its value: what it validates, then where.
ARGUMENTS = ("run-id", "dataset", "version-id", "data-bucket", "artifact-bucket")
PATHS = {
    "spec": SPEC_DIR,
    "data": DATA_DIR,
    "report": REPORT_DIR,
    "baseline": BASELINE_DIR,
    "message": MESSAGE_FILE,
}

DATASET_INVALID = "DatasetInvalid"
# DescribeProcessingJob's ExitMessage holds at most this many bytes of the message file.
MAX_EXIT_MESSAGE = 1024
_ELLIPSIS = "..."


def passed(rows: int) -> dict[str, Any]:
    return {"rows": rows}


def invalid(rows: int, cause: str) -> dict[str, Any]:
    return {"rows": rows, "error": DATASET_INVALID, "cause": cause}


def encode(outcome: dict[str, Any]) -> str:
    """The outcome as JSON within the ExitMessage limit: a long cause is cut, never the JSON."""
    text = _json(outcome)
    cause = outcome.get("cause")
    if _fits(text) or not cause:
        return text
    # The longest prefix of the cause that fits, ellipsis included.
    low, high = 0, len(cause)
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(_json({**outcome, "cause": cause[:middle] + _ELLIPSIS})):
            low = middle
        else:
            high = middle - 1
    return _json({**outcome, "cause": cause[:low] + _ELLIPSIS})


def _json(outcome: dict[str, Any]) -> str:
    return json.dumps(outcome, separators=(",", ":"), ensure_ascii=False)


def _fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= MAX_EXIT_MESSAGE
