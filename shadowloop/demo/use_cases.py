"""The data a demo story runs on: the built-in delivery-ETA world, or a user's CSV."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd

from infra.config import Config, Feature, ModelSpec, QualityGate
from shadowloop.demo import hospital
from shadowloop.demo.story import UseCase
from shadowloop.ops import examples

DEFAULT_METRIC = {"regression": "rmse", "classification": "accuracy"}


def delivery_eta(config: Config, *, scale: float = 1.0) -> UseCase:
    """Food-delivery ETA: a monsoon brings rain, slower traffic and longer deliveries."""
    n = lambda rows: max(50, int(rows * scale))  # noqa: E731
    return UseCase(
        name="delivery-eta",
        config=config,
        training=examples.generate("baseline", rows=n(4000), seed=0),
        calm_traffic=examples.generate("baseline", rows=n(400), seed=1),
        drifted_traffic=examples.generate("monsoon", rows=n(1000), seed=2),
        shadow_traffic=examples.generate("monsoon", rows=n(600), seed=3),
        change="the monsoon starts (more rain, slower traffic, longer deliveries)",
    )


def hospital_readmission(config: Config, *, scale: float = 1.0) -> UseCase:
    """30-day readmissions, whose labels lag: the intake grows older (covariate shift)."""
    n = lambda rows: max(50, int(rows * scale))  # noqa: E731
    # A readmission model that is right less than 3 times in 4 is not worth serving.
    spec = dataclasses.replace(
        hospital.model_spec(), hyperparameters=dict(config.model.hyperparameters)
    )
    config = dataclasses.replace(
        config, model=spec, gate=QualityGate(0.75, config.gate.max_regression)
    )
    return UseCase(
        name=config.model.dataset,
        config=config,
        training=hospital.generate("baseline", rows=n(4000), seed=0),
        calm_traffic=hospital.generate("baseline", rows=n(400), seed=1),
        drifted_traffic=hospital.generate("covariate_shift", rows=n(1000), seed=2),
        shadow_traffic=hospital.generate("covariate_shift", rows=n(600), seed=3),
        change="an older, sicker intake (more prior admissions, more geriatrics)",
    )


def from_csv(
    config: Config, path: Path, *, target: str, task: str | None, shifts: dict[str, float]
) -> UseCase:
    """A user's tabular CSV; the drifted traffic is held-out rows with columns shifted."""
    frame = pd.read_csv(path)
    if target not in frame.columns:
        raise ValueError(f"{path} has no column {target!r} (columns: {', '.join(frame.columns)})")
    frame = frame.dropna(subset=[target]).sample(frac=1.0, random_state=0).reset_index(drop=True)
    if len(frame) < 200:
        raise ValueError(f"{path} has {len(frame)} labelled rows; the story needs at least 200")
    task = task or _infer_task(frame[target])
    features = [
        Feature(
            name=c, type="numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"
        )
        for c in frame.columns
        if c != target
    ]
    for column in shifts:
        kind = next((f.type for f in features if f.name == column), None)
        if kind != "numeric":
            raise ValueError(f"--shift {column}: not a numeric feature of {path.name}")
    spec = ModelSpec(
        dataset=re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-")[:40] or "dataset",
        target=target,
        task=task,
        metric=DEFAULT_METRIC[task],
        features=tuple(features),
        segment=None,
        hyperparameters=dict(config.model.hyperparameters),
    )
    # A user's data has no known scale, so only the champion comparison gates it.
    limit = float("inf") if spec.direction == "minimize" else float("-inf")
    config = dataclasses.replace(
        config, model=spec, gate=QualityGate(limit, config.gate.max_regression)
    )
    # Row slices, not np.split: pandas 3 no longer lets numpy split a DataFrame into frames.
    cuts = [0, *(np.cumsum([0.6, 0.1, 0.15]) * len(frame)).astype(int), len(frame)]
    training, calm, later, shadow = (
        frame.iloc[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)
    )
    return UseCase(
        name=spec.dataset,
        config=config,
        training=training,
        calm_traffic=calm,
        drifted_traffic=_shift(later, shifts),
        shadow_traffic=_shift(shadow, shifts),
        change="the world shifts ("
        + ", ".join(f"{c} by {d:+g} sd" for c, d in shifts.items())
        + ")",
    )


def _shift(frame: pd.DataFrame, shifts: dict[str, float]) -> pd.DataFrame:
    out = frame.copy()
    for column, delta in shifts.items():
        out[column] = out[column] + delta * frame[column].std()
    return out


def _infer_task(target: pd.Series) -> str:
    numeric = pd.api.types.is_numeric_dtype(target)
    return "regression" if numeric and target.nunique() > 20 else "classification"
