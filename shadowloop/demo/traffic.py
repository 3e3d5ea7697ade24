"""Production traffic for the demo: requests through the API, and ground truth after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from shadowloop.ops.api import ApiClient


@dataclass
class TrafficResult:
    predictions: int = 0
    feedback: int = 0
    squared_error: float = 0.0

    @property
    def rmse(self) -> float:
        return (self.squared_error / self.predictions) ** 0.5 if self.predictions else float("nan")


def send(
    api: ApiClient,
    frame: pd.DataFrame,
    *,
    features: list[str],
    target: str,
    batch_size: int = 50,
    feedback_share: float = 1.0,
    on_batch: Callable[[int], None] = lambda _: None,
) -> TrafficResult:
    """Predict every row in batches; send the true outcome for a share of them."""
    result = TrafficResult()
    for batch in _batches(frame, batch_size):
        instances = [_record(row, features) for row in batch[features].to_dict("records")]
        answer = api.predict(instances)
        actuals = batch[target].tolist()
        cutoff = int(round(len(actuals) * feedback_share))
        for index, (prediction, actual) in enumerate(
            zip(answer["predictions"], actuals, strict=True)
        ):
            result.predictions += 1
            if isinstance(prediction["prediction"], (int, float)):
                result.squared_error += (prediction["prediction"] - actual) ** 2
            if index < cutoff:
                api.feedback(prediction["inference_id"], plain(actual))
                result.feedback += 1
        on_batch(len(instances))
    return result


def _batches(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start : start + size]


def _record(row: dict[str, Any], features: list[str]) -> dict[str, Any]:
    return {name: plain(row[name]) for name in features}


def plain(value: Any) -> Any:
    """numpy scalars → JSON-ready Python values."""
    return value.item() if hasattr(value, "item") else value


@dataclass(frozen=True)
class Outcome:
    """A served prediction and the truth to send back once it is known."""

    inference_id: str
    prediction: Any
    actual: Any


def predict(
    api: ApiClient, frame: pd.DataFrame, *, features: list[str], target: str, batch_size: int = 50
) -> list[Outcome]:
    """Predict every row in batches; the outcomes are kept for later feedback."""
    outcomes = []
    for batch in _batches(frame, batch_size):
        instances = [_record(row, features) for row in batch[features].to_dict("records")]
        answer = api.predict(instances)
        for prediction, actual in zip(answer["predictions"], batch[target].tolist(), strict=True):
            outcomes.append(
                Outcome(prediction["inference_id"], prediction["prediction"], plain(actual))
            )
    return outcomes


def send_feedback(api: ApiClient, outcomes: list[Outcome]) -> int:
    """Send the true outcome of each prediction; returns how many were sent."""
    for outcome in outcomes:
        api.feedback(outcome.inference_id, outcome.actual)
    return len(outcomes)
