"""The model spec as the training, evaluation and inference scripts see it.

The wire form is ``infra.config.ModelSpec.to_dict()``; it reaches the training and
evaluation jobs as the one JSON file of their ``spec`` input (``--model-spec`` text still
works by hand) and is stored in every model's ``metadata.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

TASKS = ("regression", "classification")
FEATURE_TYPES = ("numeric", "categorical")
DIRECTIONS = ("minimize", "maximize")


class InputError(ValueError):
    """Bad input from a user: the spec, the data or a request. The message is one line."""


class SpecError(InputError):
    """The model spec is malformed; the message names the field."""


@dataclass(frozen=True)
class Feature:
    name: str
    type: str
    critical: bool = False


@dataclass(frozen=True)
class Fairness:
    """Which group the model must not disadvantage (infra.config.Fairness on the wire)."""

    group: str
    group_is_feature: bool = False
    favourable_label: str | int | float | bool | None = None
    min_disparate_impact: float = 0.8
    max_tpr_gap: float = 0.1
    max_metric_gap: float = 0.1
    max_error_ratio: float = 1.25
    max_gap_widening: float = 0.02
    min_group_size: int = 30


_FAIRNESS_FIELDS = tuple(Fairness.__dataclass_fields__)


@dataclass(frozen=True)
class ModelSpec:
    dataset: str
    target: str
    task: str
    metric: str
    direction: str
    features: tuple[Feature, ...]
    segment: str | None = None
    fairness: Fairness | None = None

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def attributes(self) -> list[str]:
        """Columns a request may carry beside the features: the fairness group, if set apart."""
        if self.fairness is None or self.fairness.group_is_feature:
            return []
        return [self.fairness.group]

    def names_of(self, feature_type: str) -> list[str]:
        """The feature names of one type, in spec order."""
        return [f.name for f in self.features if f.type == feature_type]

    def to_dict(self) -> dict[str, Any]:
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


def parse(raw: str | dict[str, Any]) -> ModelSpec:
    """Parse the spec from its JSON text or an already decoded object."""
    document = _decode(raw) if isinstance(raw, str) else raw
    if not isinstance(document, dict):
        raise SpecError("model spec: expected a JSON object")
    features = _features(_field(document, "features", list))
    spec = ModelSpec(
        dataset=_field(document, "dataset", str),
        target=_field(document, "target", str),
        task=_choice(document, "task", TASKS),
        metric=_field(document, "metric", str),
        direction=_choice(document, "direction", DIRECTIONS),
        features=features,
        segment=document.get("segment"),
        fairness=_fairness(document.get("fairness")),
    )
    if spec.target in spec.feature_names:
        raise SpecError(f"model spec: target {spec.target!r} is also listed as a feature")
    if spec.segment is not None and spec.segment not in spec.feature_names:
        raise SpecError(f"model spec: segment {spec.segment!r} is not one of the features")
    return spec


def _fairness(raw: Any) -> Fairness | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("group"), str):
        raise SpecError("model spec: 'fairness' must be an object naming its 'group' column")
    unknown = sorted(set(raw) - set(_FAIRNESS_FIELDS))
    if unknown:
        raise SpecError(f"model spec: fairness has an unknown field {unknown[0]!r}")
    return Fairness(**raw)


def load(text: str | None, spec_dir: Path) -> ModelSpec:
    """The spec given as text, else the one ``*.json`` file in ``spec_dir`` (a job input)."""
    if text:
        return parse(text)
    files = sorted(spec_dir.glob("*.json")) if spec_dir.is_dir() else []
    if len(files) != 1:
        raise SpecError(f"model spec: expected one .json file in {spec_dir}, found {len(files)}")
    return parse(files[0].read_text())


def _decode(text: str) -> Any:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"model spec: not valid JSON ({exc.msg} at char {exc.pos})") from None
    # A hyperparameter JSON-encoded once more (as the SageMaker SDK does) arrives as a string.
    if isinstance(document, str):
        return _decode(document)
    return document


def _field(document: dict[str, Any], name: str, kind: type) -> Any:
    if name not in document or document[name] in (None, ""):
        raise SpecError(f"model spec: missing field {name!r}")
    value = document[name]
    if not isinstance(value, kind):
        raise SpecError(f"model spec: field {name!r} must be a {kind.__name__}, got {value!r}")
    return value


def _choice(document: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = _field(document, name, str)
    if value not in allowed:
        raise SpecError(f"model spec: {name} {value!r} is not one of {', '.join(allowed)}")
    return value


def _features(items: list[Any]) -> tuple[Feature, ...]:
    if not items:
        raise SpecError("model spec: 'features' is empty; list at least one {name, type}")
    features = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise SpecError(f"model spec: features[{i}] must be an object with name and type")
        name = _field(item, "name", str)
        kind = item.get("type")
        if kind not in FEATURE_TYPES:
            raise SpecError(
                f"model spec: features[{i}] ({name}) has type {kind!r}; "
                f"use {' or '.join(FEATURE_TYPES)}"
            )
        features.append(Feature(name=name, type=kind, critical=bool(item.get("critical", False))))
    names = [f.name for f in features]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SpecError(f"model spec: feature {', '.join(duplicated)} is listed twice")
    return tuple(features)
