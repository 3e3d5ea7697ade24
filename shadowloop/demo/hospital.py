"""A seeded generator of hospital discharges: is the patient readmitted within 30 days?

Binary classification whose labels lag (an outcome is known a month after discharge), the
case for label-free performance estimates. Scenarios change the world the patients come
from:

- ``baseline``: the hospital as the model learns it.
- ``covariate_shift``: an older, sicker intake (a care home closes nearby): patients are
  older, stay longer, have more prior admissions and more of them go to geriatrics. The
  risk of readmission given a patient, P(y | x), is unchanged; only the inputs move.
- ``concept_drift``: the same intake as ``baseline``, but orthopedics switches to a hip
  implant that fails in older patients, so its patients over 50, once rarely readmitted,
  now mostly are: P(y | x) changes in that part of the space only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from infra.config import Feature, ModelSpec

SCENARIOS = ("baseline", "covariate_shift", "concept_drift")
WARDS = ("general", "cardiology", "oncology", "orthopedics", "geriatrics")
TARGET = "readmitted"
FEATURES = (
    Feature("age", "numeric"),
    Feature("length_of_stay", "numeric"),
    Feature("prior_admissions", "numeric"),
    Feature("creatinine", "numeric"),
    Feature("hemoglobin", "numeric"),
    Feature("ward", "categorical"),
)
_WARD_RISK = {
    "general": 0.0,
    "cardiology": 1.0,
    "oncology": 1.5,
    "orthopedics": -1.5,
    "geriatrics": 0.8,
}


@dataclass(frozen=True)
class World:
    """The knobs a scenario turns."""

    age_mean: float = 62.0
    stay_scale: float = 2.0
    prior_rate: float = 0.8
    ward_shares: tuple[float, ...] = (0.35, 0.2, 0.15, 0.2, 0.1)
    orthopedics_elderly_risk: float = 0.0


_WORLDS = {
    "baseline": World(),
    "covariate_shift": World(
        age_mean=70.0,
        stay_scale=2.6,
        prior_rate=1.3,
        ward_shares=(0.3, 0.2, 0.15, 0.1, 0.25),
    ),
    "concept_drift": World(orthopedics_elderly_risk=5.0),
}


def model_spec() -> ModelSpec:
    """The readmission model's spec, segmented by ward."""
    return ModelSpec(
        dataset="hospital-readmission",
        target=TARGET,
        task="classification",
        metric="accuracy",
        features=FEATURES,
        segment="ward",
    )


def world(scenario: str) -> World:
    """The knobs of one scenario."""
    if scenario not in _WORLDS:
        raise ValueError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")
    return _WORLDS[scenario]


def generate(
    scenario: str = "baseline",
    rows: int = 5000,
    seed: int = 0,
    *,
    ward_shares: tuple[float, ...] | None = None,
) -> pd.DataFrame:
    """Discharges of one scenario; the same arguments always give the same frame.

    ``ward_shares`` (in ``WARDS`` order) describes another hospital's intake, the same in
    every scenario of that hospital.
    """
    knobs = world(scenario)
    if ward_shares is not None:
        if len(ward_shares) != len(WARDS) or min(ward_shares) < 0 or not sum(ward_shares) > 0:
            raise ValueError(f"ward_shares must be {len(WARDS)} non-negative shares of {WARDS}")
        knobs = replace(knobs, ward_shares=tuple(ward_shares))
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    rng = np.random.default_rng(seed)
    shares = np.array(knobs.ward_shares)
    ward = rng.choice(np.array(WARDS), size=rows, p=shares / shares.sum())
    age = np.clip(rng.normal(knobs.age_mean, 14.0, rows), 18, 100).round()
    stay = np.clip(rng.gamma(2.0, knobs.stay_scale, rows), 0.5, 60.0).round(1)
    prior = rng.poisson(knobs.prior_rate, rows)
    creatinine = np.clip(rng.lognormal(0.0, 0.35, rows) + 0.004 * (age - 60), 0.3, 8.0)
    hemoglobin = np.clip(rng.normal(13.0, 1.8, rows) - 0.02 * (age - 60), 6.0, 19.0)
    risk = readmission_logit(knobs, age, stay, prior, creatinine, hemoglobin, ward)
    readmitted = (rng.random(rows) < 1.0 / (1.0 + np.exp(-risk))).astype(int)
    return pd.DataFrame(
        {
            "age": age,
            "length_of_stay": stay,
            "prior_admissions": prior,
            "creatinine": creatinine.round(2),
            "hemoglobin": hemoglobin.round(1),
            "ward": ward,
            TARGET: readmitted,
        }
    )


def readmission_logit(world: World, age, stay, prior, creatinine, hemoglobin, ward) -> np.ndarray:
    """Log-odds of readmission: P(y | x), which only ``concept_drift`` changes."""
    logit = (
        -3.0
        + 0.09 * (age - 62)
        + 0.4 * (stay - 4)
        + 1.5 * prior
        + 2.5 * (creatinine - 1.0)
        - 0.5 * (hemoglobin - 13)
        + np.vectorize(_WARD_RISK.get)(ward)
    )
    elderly_orthopedics = (ward == "orthopedics") & (age > 50)
    return logit + world.orthopedics_elderly_risk * elderly_orthopedics
