"""The data a demo story runs on: the built-in delivery-ETA world, or a user's CSV."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd

from infra.config import Config, Fairness, Feature, ModelSpec, QualityGate
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
    config: Config,
    path: Path,
    *,
    target: str,
    task: str | None,
    shifts: dict[str, float],
    group: str | None = None,
    favourable: str | None = None,
) -> UseCase:
    """A user's tabular CSV; the drifted traffic is held-out rows with columns shifted.

    With ``group``, that column is the fairness group: it is no feature, and the gate judges
    the model per group. Without ``shifts`` the story ends at the first run's gate.
    """
    frame = pd.read_csv(path)
    for column in (target, group):
        if column is not None and column not in frame.columns:
            raise ValueError(
                f"{path} has no column {column!r} (columns: {', '.join(frame.columns)})"
            )
    if group == target:
        raise ValueError(f"--group {group}: the group cannot be the target")
    frame = frame.dropna(subset=[target]).sample(frac=1.0, random_state=0).reset_index(drop=True)
    if len(frame) < 200:
        raise ValueError(f"{path} has {len(frame)} labelled rows; the story needs at least 200")
    task = task or _infer_task(frame[target])
    features = [
        Feature(
            name=c, type="numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"
        )
        for c in frame.columns
        if c not in (target, group)
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
        fairness=None
        if group is None
        else Fairness(group=group, favourable_label=_favourable(frame[target], task, favourable)),
    )
    # A user's data has no known scale, so only the champion comparison gates it.
    limit = float("inf") if spec.direction == "minimize" else float("-inf")
    config = dataclasses.replace(
        config, model=spec, gate=QualityGate(limit, config.gate.max_regression)
    )
    if not shifts:
        # The gate's verdict is the story: most rows train or judge the first model, and a
        # tenth is traffic that reaches the API with its group, as live requests would.
        cut = int(len(frame) * 0.9)
        return UseCase(
            spec.dataset, config, frame.iloc[:cut], frame.iloc[cut:], None, None, change=""
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


def _favourable(target: pd.Series, task: str, given: str | None) -> str | int | float | bool | None:
    """The good outcome: ``given`` read as the target's own type, else the larger of two labels
    (1 of 0/1, True of False); a target with other labels must name it."""
    if task != "classification":
        return None
    labels = sorted(target.dropna().unique().tolist())
    if given is not None:
        match = [v for v in labels if str(v) == given or str(v).lower() == given.lower()]
        if not match:
            shown = ", ".join(str(v) for v in labels)
            raise ValueError(f"--favourable {given}: not a label of the target ({shown})")
        return _plain(match[0])
    if len(labels) == 2 and set(map(str, labels)) in ({"0", "1"}, {"False", "True"}):
        return _plain(labels[-1])
    raise ValueError("--group needs --favourable LABEL: which target label is the good outcome")


def _plain(value: object) -> str | int | float | bool:
    return value.item() if hasattr(value, "item") else value  # type: ignore[return-value]


def _shift(frame: pd.DataFrame, shifts: dict[str, float]) -> pd.DataFrame:
    out = frame.copy()
    for column, delta in shifts.items():
        out[column] = out[column] + delta * frame[column].std()
    return out


def _infer_task(target: pd.Series) -> str:
    numeric = pd.api.types.is_numeric_dtype(target)
    return "regression" if numeric and target.nunique() > 20 else "classification"
