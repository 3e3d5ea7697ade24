"""Seeded data for the drift tests."""

from __future__ import annotations

import numpy as np

from lambdas.shared.settings import Feature

FEATURES = [
    Feature("distance_km", "numeric", critical=True),
    Feature("hour", "numeric"),
    Feature("rain_mm", "numeric"),
    Feature("city_zone", "categorical"),
]
ZONES = ["north", "south", "east", "west"]


def delivery_rows(n: int, *, seed: int, shift: float = 0.0, zones: list[str] | None = None) -> dict:
    """Columns of ``n`` deliveries; ``shift`` moves distance and rain by that many std devs."""
    rng = np.random.default_rng(seed)
    return {
        "distance_km": rng.gamma(4.0, 1.5, n) + shift * 3.0,
        "hour": rng.integers(0, 24, n).astype(float),
        "rain_mm": np.round(rng.exponential(2.0, n) + shift * 2.0, 2),
        "city_zone": rng.choice(zones or ZONES, n).tolist(),
    }
