"""The champion's own holdout: both models scored on the rows the champion was judged on.

A candidate trained on bad data can look fine on a holdout cut from that same data. So
the gate also compares the two models on the champion's holdout: the rows of the
snapshot the champion trained on that its training left out (``split.holdout_rows``
with the champion's own spec, so exactly the rows it never saw). ResolveChampion names
that snapshot in ``champion.json`` and stages it as the ``champion_data`` input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from features import read_csv_dir, target_values
from modelfiles import TrainedModel
from modelspec import InputError, ModelSpec
from split import holdout_rows

CHAMPION_FILE = "champion.json"
Score = Callable[[TrainedModel, pd.DataFrame, ModelSpec], dict[str, float]]


@dataclass(frozen=True)
class ChampionData:
    """The champion's training snapshot as staged for the job, or why there is none."""

    snapshot_uri: str | None
    version_id: str | None
    frame: pd.DataFrame | None
    missing: str | None = None


def load(champion_dir: Path, data_dir: Path) -> ChampionData:
    """Read champion.json's snapshot and, when it names one, the CSV staged in ``data_dir``."""
    path = champion_dir / CHAMPION_FILE
    described = json.loads(path.read_text()) if path.is_file() else {}
    snapshot, version = described.get("snapshot_uri"), described.get("version_id")
    if not snapshot:
        return ChampionData(None, None, None, "the champion's package names no training snapshot")
    try:
        frame, _ = read_csv_dir(data_dir)
    except InputError as exc:
        return ChampionData(snapshot, version, None, f"its snapshot cannot be read: {exc}")
    return ChampionData(snapshot, version, frame)


def block(
    candidate: TrainedModel,
    champion: TrainedModel | None,
    data: ChampionData | None,
    spec: ModelSpec,
    score: Score,
) -> dict[str, Any] | None:
    """``{snapshot_uri, version_id, rows, candidate, champion, error}``; None without a champion."""
    if champion is None:
        return None
    data = data or ChampionData(None, None, None, "no champion data was given")
    head = {"snapshot_uri": data.snapshot_uri, "version_id": data.version_id}
    if data.frame is None:
        return {**head, "rows": 0, "candidate": None, "champion": None, "error": data.missing}
    try:
        frame = data.frame
        holdout = frame[holdout_rows(frame, champion.spec)]
        holdout = holdout[target_values(holdout, spec).notna().to_numpy()]
        if holdout.empty:
            raise InputError("the champion's holdout has no rows with a target")
        scores = {
            "candidate": score(candidate, holdout, spec),
            "champion": score(champion, holdout, spec),
        }
    except (InputError, KeyError) as exc:
        # A snapshot whose columns no longer fit either model cannot judge them.
        return {**head, "rows": 0, "candidate": None, "champion": None, "error": str(exc)}
    return {**head, "rows": len(holdout), **scores, "error": None}
