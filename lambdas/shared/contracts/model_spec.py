"""The model spec on the deployed side, and its wire form, ``model-spec.json``.

``infra/config.py`` validates ``cdk.json`` and builds this class; infra writes
:meth:`ModelSpec.to_dict` as the spec file the Lambdas read back with
:meth:`ModelSpec.from_dict`. ``training/modelspec.py`` parses the same JSON on its own,
because the training code ships alone to SageMaker (a test keeps the two in step).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

FEATURE_TYPES = ("numeric", "categorical")
TASKS = ("regression", "classification")
# Primary metric → direction in which it improves, per task.
METRICS: dict[str, dict[str, str]] = {
    "regression": {"rmse": "minimize", "mae": "minimize", "r2": "maximize"},
    "classification": {
        "accuracy": "maximize",
        "f1": "maximize",
        "roc_auc": "maximize",
        "log_loss": "minimize",
    },
}


@dataclass(frozen=True)
class Feature:
    name: str
    type: str
    critical: bool = False


@dataclass(frozen=True)
class Fairness:
    """Which group the model must not disadvantage, and how far apart groups may be."""

    group: str
    """The protected attribute: a dataset column, kept out of the features by default."""
    group_is_feature: bool = False
    favourable_label: str | int | float | bool | None = None
    """Classification: the label that counts as the good outcome (e.g. approved = 1)."""
    min_disparate_impact: float = 0.8
    """Lowest selection rate over the highest, across groups (the four-fifths rule)."""
    max_tpr_gap: float = 0.1
    """Largest gap in true-positive rate between groups (equal opportunity)."""
    max_metric_gap: float = 0.1
    """Largest gap in the primary metric between the best and the worst group."""
    max_error_ratio: float = 1.25
    """Regression: the worst group's error over the overall error."""
    max_gap_widening: float = 0.02
    """How much a figure may worsen against the champion's, in absolute terms."""
    min_group_size: int = 30
    """Holdout rows a group needs to be judged at all."""


FAIRNESS_FIELDS = tuple(Fairness.__dataclass_fields__)


@dataclass(frozen=True)
class ModelSpec:
    dataset: str
    target: str
    task: str
    metric: str
    features: tuple[Feature, ...]
    direction: str = ""
    """``minimize`` or ``maximize``; left empty, the metric's own (:data:`METRICS`)."""
    segment: str | None = None
    fairness: Fairness | None = None
    hyperparameters: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """The training job's hyperparameters (infra passes them to the job, not the wire form)."""

    def __post_init__(self) -> None:
        if not self.direction:
            direction = METRICS.get(self.task, {}).get(self.metric)
            if direction is None:
                raise ValueError(
                    f"model spec: metric {self.metric!r} has no known direction for "
                    f"task {self.task!r}"
                )
            object.__setattr__(self, "direction", direction)

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def fairness_group(self) -> str | None:
        """The fairness section's group column, when the spec has one."""
        return self.fairness.group if self.fairness else None

    @property
    def attributes(self) -> list[str]:
        """Columns a record may carry beside its features: the fairness group, if set apart."""
        if self.fairness is None or self.fairness.group_is_feature:
            return []
        return [self.fairness.group]

    def to_dict(self) -> dict[str, Any]:
        """The wire form in ``model-spec.json``, which Lambdas and the jobs read."""
        return {
            "dataset": self.dataset,
            "target": self.target,
            "task": self.task,
            "metric": self.metric,
            "direction": self.direction,
            "segment": self.segment,
            "features": [asdict(f) for f in self.features],
            "fairness": None if self.fairness is None else asdict(self.fairness),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ModelSpec:
        """The spec from its wire form; KeyError, TypeError or ValueError when incomplete."""
        return cls(
            dataset=raw["dataset"],
            target=raw["target"],
            task=raw["task"],
            metric=raw["metric"],
            direction=raw.get("direction") or "",
            features=tuple(Feature(**f) for f in raw["features"]),
            segment=raw.get("segment"),
            fairness=Fairness(**raw["fairness"]) if raw.get("fairness") else None,
        )
