"""The pipeline's execution input: ``{"dataset": str, "version_id": str | null, "trigger": str}``.

Every key is always present; ``version_id`` null means the dataset's latest version.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

DATASET = "dataset"
VERSION_ID = "version_id"
TRIGGER = "trigger"
KEYS = (DATASET, VERSION_ID, TRIGGER)

MANUAL = "manual"
SCHEDULE = "schedule"
DRIFT = "drift"
QUALITY = "quality"
TRIGGERS = (MANUAL, SCHEDULE, DRIFT, QUALITY)
# Runs started by a check train on a new version built from labelled traffic.
RETRAINING_TRIGGERS = (DRIFT, QUALITY)


def path(key: str) -> str:
    """The JSONPath of a run input key in the execution state."""
    if key not in KEYS:
        raise KeyError(f"{key!r} is not a run input key")
    return f"$.{key}"


class RunInputInvalid(ValueError):
    """The run input is not the shape the pipeline takes."""


@dataclass(frozen=True)
class RunInput:
    """One run's input, checked."""

    dataset: str
    version_id: str | None
    trigger: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict())


def build(dataset: str, version_id: str | None = None, trigger: str = MANUAL) -> RunInput:
    """A checked run input; a one-line RunInputInvalid names the bad field."""
    if not isinstance(dataset, str) or not dataset:
        raise RunInputInvalid(f"run input: {DATASET} must be a non-empty string, not {dataset!r}")
    if version_id is not None and (not isinstance(version_id, str) or not version_id):
        raise RunInputInvalid(
            f"run input: {VERSION_ID} must be a string or null, not {version_id!r}"
        )
    if trigger not in TRIGGERS:
        raise RunInputInvalid(
            f"run input: {TRIGGER} {trigger!r} is not one of {', '.join(TRIGGERS)}"
        )
    return RunInput(dataset=dataset, version_id=version_id, trigger=trigger)


def parse(document: Any) -> RunInput:
    """The run input from a decoded execution input, with exactly the contract's keys."""
    if not isinstance(document, dict):
        raise RunInputInvalid(f"run input must be a JSON object, not {type(document).__name__}")
    missing = [key for key in KEYS if key not in document]
    if missing:
        raise RunInputInvalid(f"run input: {missing[0]} is missing")
    extra = sorted(set(document) - set(KEYS))
    if extra:
        raise RunInputInvalid(f"run input: {extra[0]} is not a run input key")
    return build(document[DATASET], document[VERSION_ID], document[TRIGGER])
