"""A seeded generator of food-delivery orders, the default ETA use case.

Scenarios change the world the orders come from:

- ``baseline``: ordinary weather and traffic.
- ``monsoon``: much more rain and heavier traffic, and the relationship itself changes
  (concept drift): each millimetre of rain and each point of traffic costs more minutes,
  so a model trained on ``baseline`` is clearly wrong here.
- ``new_road``: a ring road opens; traffic in the east zone drops and customers order from
  restaurants further away. The relationship is unchanged, only the inputs move.
- ``roadworks``: roadworks in the east and centre: deliveries there take much longer
  (a fixed delay plus more minutes per km) while every input keeps its distribution, so
  only the live error shows it (concept drift the drift check cannot see).

Demo and test data only: it is no part of ``training/``, so editing it changes no
model's code version. ``shadowloop data generate`` writes it as CSV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SCENARIOS = ("baseline", "monsoon", "new_road", "roadworks")
ZONES = ("north", "south", "east", "west", "centre")
COLUMNS = (
    "distance_km",
    "hour",
    "weekday",
    "rain_mm",
    "traffic_index",
    "prep_minutes",
    "items",
    "city_zone",
    "delivery_minutes",
)
TARGET = "delivery_minutes"

_ZONE_SHARES = np.array([0.2, 0.2, 0.2, 0.2, 0.2])
_ZONE_TRAFFIC = {"north": 0.0, "south": 0.5, "east": 1.0, "west": -0.5, "centre": 2.0}
# Orders cluster around lunch and dinner.
_HOUR_WEIGHTS = np.array(
    [1, 1, 0.5, 0.5, 0.5, 0.5, 1, 2, 3, 3, 4, 6, 9, 8, 5, 4, 4, 6, 9, 10, 9, 6, 3, 2], dtype=float
)


@dataclass(frozen=True)
class World:
    """The knobs a scenario turns."""

    rain_chance: float = 0.2
    rain_mean_mm: float = 3.0
    traffic_shift: float = 0.0
    zone_traffic_shift: tuple[str, float] | None = None
    distance_scale: float = 4.0
    minutes_per_mm: float = 0.35
    traffic_slowdown: float = 0.07
    slow_zones: tuple[str, ...] = ()
    slow_zone_minutes: float = 0.0
    slow_zone_minutes_per_km: float = 0.0


_WORLDS = {
    "baseline": World(),
    "monsoon": World(
        rain_chance=0.7,
        rain_mean_mm=9.0,
        traffic_shift=1.5,
        minutes_per_mm=0.7,
        traffic_slowdown=0.12,
    ),
    "new_road": World(zone_traffic_shift=("east", -3.5), distance_scale=5.5),
    "roadworks": World(
        slow_zones=("east", "centre"), slow_zone_minutes=12.0, slow_zone_minutes_per_km=1.5
    ),
}


def scenarios() -> tuple[str, ...]:
    """The scenario names ``generate`` knows."""
    return SCENARIOS


def generate(scenario: str = "baseline", rows: int = 5000, seed: int = 0) -> pd.DataFrame:
    """Orders of one scenario; the same arguments always give the same frame."""
    if scenario not in _WORLDS:
        raise ValueError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    world = _WORLDS[scenario]
    rng = np.random.default_rng(seed)

    zone = rng.choice(np.array(ZONES), size=rows, p=_ZONE_SHARES)
    hour = rng.choice(24, size=rows, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    weekday = rng.integers(0, 7, size=rows)
    distance = np.clip(rng.gamma(2.0, world.distance_scale / 2.0, rows) + 0.3, 0.3, 30.0)
    raining = rng.random(rows) < world.rain_chance
    rain = np.where(raining, rng.exponential(world.rain_mean_mm, rows), 0.0)
    traffic = _traffic(rng, world, zone, hour, weekday, rain)
    items = 1 + rng.poisson(1.6, rows)
    prep = np.clip(rng.gamma(6.0, 1.5, rows) + 1.2 * items, 3.0, None)

    pace = 2.2 * (1.0 + world.traffic_slowdown * traffic)  # minutes per km
    weekend = np.isin(weekday, (5, 6))
    slow = np.isin(zone, world.slow_zones)
    minutes = (
        prep
        + distance * pace
        + world.minutes_per_mm * rain
        + 2.5 * weekend
        + slow * (world.slow_zone_minutes + world.slow_zone_minutes_per_km * distance)
        + rng.normal(0.0, 3.5, rows)
    )
    frame = pd.DataFrame(
        {
            "distance_km": distance.round(2),
            "hour": hour,
            "weekday": weekday,
            "rain_mm": rain.round(1),
            "traffic_index": traffic.round(2),
            "prep_minutes": prep.round(1),
            "items": items,
            "city_zone": zone,
            # A courier never arrives before the food is ready.
            TARGET: np.maximum(minutes, prep + 1.0).round(1),
        }
    )
    return frame[list(COLUMNS)]


def _traffic(rng, world: World, zone, hour, weekday, rain) -> np.ndarray:
    """Congestion on a 0-10 scale: rush hours, busy zones and rain make it worse."""
    rush = np.isin(hour, (8, 9, 17, 18, 19)) & (weekday < 5)
    level = (
        3.0
        + 2.5 * rush
        + np.vectorize(_ZONE_TRAFFIC.get)(zone)
        + 0.08 * rain
        + world.traffic_shift
        + rng.normal(0.0, 1.0, len(zone))
    )
    if world.zone_traffic_shift is not None:
        shifted_zone, shift = world.zone_traffic_shift
        level = level + np.where(zone == shifted_zone, shift, 0.0)
    return np.clip(level, 0.0, 10.0)
