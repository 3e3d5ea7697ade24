"""Small delivery-ETA datasets and the model spec, for the pipeline step tests."""

from __future__ import annotations

import csv
import io
import json
import random

from lambdas.shared.settings import ModelSpec

COLUMNS = [
    "distance_km",
    "hour",
    "weekday",
    "rain_mm",
    "traffic_index",
    "prep_minutes",
    "items",
    "city_zone",
    "delivery_minutes",
]
TARGET = "delivery_minutes"
ZONES = ["north", "south", "east", "west"]

SPEC_DICT = {
    "dataset": "delivery-eta",
    "target": TARGET,
    "task": "regression",
    "metric": "rmse",
    "direction": "minimize",
    "segment": "city_zone",
    "features": [
        {"name": "distance_km", "type": "numeric", "critical": True},
        {"name": "hour", "type": "numeric", "critical": False},
        {"name": "weekday", "type": "numeric", "critical": False},
        {"name": "rain_mm", "type": "numeric", "critical": False},
        {"name": "traffic_index", "type": "numeric", "critical": False},
        {"name": "prep_minutes", "type": "numeric", "critical": False},
        {"name": "items", "type": "numeric", "critical": False},
        {"name": "city_zone", "type": "categorical", "critical": False},
    ],
}
SPEC = ModelSpec.from_dict(SPEC_DICT)
SPEC_JSON = json.dumps(SPEC_DICT)


def delivery(rng: random.Random) -> dict[str, object]:
    """One delivery: rain plus traffic makes it longer."""
    distance = round(rng.uniform(0.5, 12), 2)
    rain = round(max(0.0, rng.gauss(1, 2)), 1)
    traffic = round(rng.uniform(0, 1), 3)
    prep = rng.randint(5, 25)
    return {
        "distance_km": distance,
        "hour": rng.randint(0, 23),
        "weekday": rng.randint(0, 6),
        "rain_mm": rain,
        "traffic_index": traffic,
        "prep_minutes": prep,
        "items": rng.randint(1, 8),
        "city_zone": rng.choice(ZONES),
        TARGET: round(prep + 3 * distance * (1 + traffic) + 2 * rain, 1),
    }


def rows(count: int = 60, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [delivery(rng) for _ in range(count)]


def to_csv(records: list[dict[str, object]], columns: list[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode("utf-8")


def records(data: bytes) -> list[list[str]]:
    """CSV bytes as the records ``quality.check`` reads."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))
