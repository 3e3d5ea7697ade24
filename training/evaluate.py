"""Evaluate a candidate against the champion on the same holdout (a SageMaker processing job).

    python evaluate.py --spec /opt/ml/processing/input/spec

Inputs (processing-job directories): the model spec (one JSON file, or ``--model-spec``
JSON), the candidate's ``model.tar.gz``, the champion directory (``champion.json`` and,
when there is a champion, its ``model.tar.gz``), the champion's training snapshot
(``--champion-data``, see ``champion_holdout.py``) and one CSV. Output: ``evaluation.json``
with the candidate's metrics in SageMaker's model quality shape, plus a ``shadowloop``
block that the gate reads (``champion_holdout``: both models on the champion's own
holdout); for a classifier also ``calibration.json``, its probability calibration on the
holdout (``calibration.py``); with a fairness section in the spec also ``bias.json``, the
per-group figures of both models (``fairness.py``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import calibration
import champion_holdout
import fairness
import modelfiles
import modelspec
from features import DataError, model_inputs, read_csv_dir, target_values
from metrics import bootstrap_std, compute_metrics
from modelfiles import TrainedModel
from modelspec import InputError, ModelSpec
from split import holdout_rows

REPORT_FILE = "evaluation.json"
_MISSING_SEGMENT = "missing"
# Metric names in SageMaker's model quality statistics, per problem type.
_MODEL_QUALITY = {
    "regression": ("regression_metrics", {"rmse": "rmse", "mae": "mae", "r2": "r2"}),
    "binary": (
        "binary_classification_metrics",
        {"accuracy": "accuracy", "f1": "f1", "roc_auc": "auc"},
    ),
    "multiclass": ("multiclass_classification_metrics", {"accuracy": "accuracy", "f1": "f1"}),
}


@dataclass(frozen=True)
class Scored:
    """The holdout rows with a target, and the candidate's answers for them (predicted once)."""

    holdout: pd.DataFrame
    y_true: np.ndarray
    candidate: Predictions


@dataclass(frozen=True)
class Predictions:
    """One model's answers for a set of rows."""

    values: np.ndarray
    proba: np.ndarray | None = None
    classes: list | None = None


def predict(model: TrainedModel, frame: pd.DataFrame) -> Predictions:
    """Predict with the model's own feature list, so a champion trained on an older spec works."""
    inputs = model_inputs(frame, model.spec)
    values = model.pipeline.predict(inputs)
    if model.spec.task != "classification":
        return Predictions(values=np.asarray(values, dtype=float))
    return Predictions(
        values=values, proba=model.pipeline.predict_proba(inputs), classes=model.classes
    )


def score(model: TrainedModel, frame: pd.DataFrame, spec: ModelSpec) -> dict[str, float]:
    """The model's metrics on the rows of ``frame`` (which must hold the target)."""
    return _metrics(spec, target_values(frame, spec), predict(model, frame))


def segment_metrics(
    spec: ModelSpec, frame: pd.DataFrame, predictions: Predictions
) -> dict[str, dict[str, float]]:
    """Metrics and row count for each value of the spec's segment column."""
    if spec.segment is None:
        return {}
    y_true = target_values(frame, spec).to_numpy()
    segments = frame[spec.segment].astype(object).where(frame[spec.segment].notna(), None)
    keys = np.array([_MISSING_SEGMENT if v is None else str(v) for v in segments], dtype=object)
    out = {}
    for key in sorted(set(keys)):
        rows = keys == key
        part = Predictions(
            values=predictions.values[rows],
            proba=None if predictions.proba is None else predictions.proba[rows],
            classes=predictions.classes,
        )
        out[key] = {**_metrics(spec, y_true[rows], part), "count": int(rows.sum())}
    return out


def score_holdout(candidate: TrainedModel, frame: pd.DataFrame, spec: ModelSpec) -> Scored:
    """The holdout rows of ``frame`` that have a target, and the candidate's predictions."""
    holdout = frame[holdout_rows(frame, spec)]
    holdout = holdout[target_values(holdout, spec).notna().to_numpy()]
    if holdout.empty:
        raise DataError("the holdout is empty: the dataset has too few rows with a target")
    return Scored(holdout, target_values(holdout, spec).to_numpy(), predict(candidate, holdout))


def evaluation_report(
    candidate: TrainedModel,
    champion: TrainedModel | None,
    frame: pd.DataFrame,
    spec: ModelSpec,
    *,
    champion_data: champion_holdout.ChampionData | None = None,
    scored: Scored | None = None,
) -> dict[str, Any]:
    """Score both models on the holdout rows of ``frame`` (and on the champion's own
    holdout from ``champion_data``) and build evaluation.json."""
    scored = scored or score_holdout(candidate, frame, spec)
    holdout, y_true, candidate_predictions = scored.holdout, scored.y_true, scored.candidate
    candidate_metrics = _metrics(spec, y_true, candidate_predictions)
    champion_metrics, champion_segments, champion_error = None, None, None
    champion_predictions = None
    if champion is not None:
        try:
            champion_predictions = predict(champion, holdout)
        except DataError as exc:
            # A champion trained on other columns cannot be compared; the gate then sees none.
            champion_error = str(exc)
            champion_predictions = None
        else:
            champion_metrics = _metrics(spec, y_true, champion_predictions)
            champion_segments = segment_metrics(spec, holdout, champion_predictions)
    shadowloop = {
        "metric": spec.metric,
        "direction": spec.direction,
        "holdout_rows": len(holdout),
        "candidate": _finite(candidate_metrics),
        "champion": None if champion_metrics is None else _finite(champion_metrics),
        "segments": {
            "column": spec.segment,
            "candidate": _finite(segment_metrics(spec, holdout, candidate_predictions)),
            "champion": None if champion_segments is None else _finite(champion_segments),
        },
        "champion_holdout": _finite(
            champion_holdout.block(candidate, champion, champion_data, spec, score)
        ),
    }
    if champion_error is not None:
        shadowloop["champion_error"] = champion_error
    if spec.fairness is not None:
        shadowloop["fairness"] = _finite(
            fairness_block(spec, holdout, y_true, candidate_predictions, champion_predictions)
        )
    return {
        **model_quality(spec, y_true, candidate_predictions, candidate_metrics),
        "shadowloop": shadowloop,
    }


def candidate_calibration(
    candidate: TrainedModel, frame: pd.DataFrame, spec: ModelSpec, *, scored: Scored | None = None
) -> dict[str, Any] | None:
    """calibration.json for a classifier, fit on the same holdout rows; None for regression."""
    if candidate.spec.task != "classification":
        return None
    scored = scored or score_holdout(candidate, frame, spec)
    proba, classes = scored.candidate.proba, scored.candidate.classes
    return calibration.fit(scored.y_true, proba, classes).to_dict()


def fairness_block(
    spec: ModelSpec,
    holdout: pd.DataFrame,
    y_true: np.ndarray,
    candidate: Predictions,
    champion: Predictions | None,
) -> dict[str, Any]:
    """The candidate's and the champion's fairness on the same holdout rows (the bias report)."""
    assert spec.fairness is not None
    groups = fairness.group_keys(holdout, spec.fairness.group)

    def assess(p: Predictions) -> dict[str, Any]:
        return fairness.assess(spec, groups, y_true, p.values, p.proba, p.classes)

    return {
        "group": spec.fairness.group,
        "favourable_label": spec.fairness.favourable_label,
        "min_group_size": spec.fairness.min_group_size,
        "report_file": fairness.BIAS_REPORT_FILE,
        "candidate": assess(candidate),
        "champion": None if champion is None else assess(champion),
    }


def model_quality(
    spec: ModelSpec, y_true: np.ndarray, predictions: Predictions, values: dict[str, float]
) -> dict[str, Any]:
    """The candidate's metrics in SageMaker model quality statistics form, with bootstrap std."""
    kind = spec.task
    if kind == "classification":
        kind = "binary" if len(predictions.classes or []) == 2 else "multiclass"
    block, names = _MODEL_QUALITY[kind]
    spread = bootstrap_std(
        spec.task, y_true, predictions.values, predictions.proba, predictions.classes
    )
    return {
        block: {
            shown: {"value": _number(values[name]), "standard_deviation": _number(spread[name])}
            for name, shown in names.items()
            if name in values
        }
    }


def load_champion(champion_dir: Path, workdir: Path) -> TrainedModel | None:
    """The champion model, or None when the champion directory holds no model.tar.gz."""
    tarball = champion_dir / modelfiles.TARBALL
    if not tarball.is_file():
        return None
    return modelfiles.load(modelfiles.extract(tarball, workdir / "champion"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Arguments with processing-job defaults; unknown extra arguments are ignored."""
    base = Path("/opt/ml/processing")
    parser = argparse.ArgumentParser(description="Evaluate a candidate against the champion.")
    parser.add_argument("--model-spec", "--model_spec", dest="model_spec")
    parser.add_argument("--spec", type=Path, default=base / "input/spec")
    parser.add_argument("--candidate", type=Path, default=base / "input/candidate")
    parser.add_argument("--champion", type=Path, default=base / "input/champion")
    parser.add_argument(
        "--champion-data",
        "--champion_data",
        dest="champion_data",
        type=Path,
        default=base / "input/champion_data",
    )
    parser.add_argument("--data", type=Path, default=base / "input/data")
    parser.add_argument("--output", type=Path, default=base / "output/evaluation")
    args, _ = parser.parse_known_args(argv)
    return args


def main(argv: list[str] | None = None) -> int:
    """Load the models and the data, write evaluation.json. Bad input: one stderr line, exit 2."""
    args = parse_args(argv)
    try:
        spec = modelspec.load(args.model_spec, args.spec)
        frame, data_file = read_csv_dir(args.data)
        with tempfile.TemporaryDirectory() as workdir:
            candidate_dir = modelfiles.extract(
                args.candidate / modelfiles.TARBALL, Path(workdir) / "candidate"
            )
            candidate = modelfiles.load(candidate_dir)
            champion = load_champion(args.champion, Path(workdir))
            champion_data = champion_holdout.load(args.champion, args.champion_data)
            scored = score_holdout(candidate, frame, spec)
            report = evaluation_report(
                candidate, champion, frame, spec, champion_data=champion_data, scored=scored
            )
            calibrated = candidate_calibration(candidate, frame, spec, scored=scored)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / REPORT_FILE).write_text(json.dumps(report, indent=2, allow_nan=False))
    if calibrated is not None:
        (args.output / calibration.CALIBRATION_FILE).write_text(
            json.dumps(calibrated, allow_nan=False)
        )
    if "fairness" in report["shadowloop"]:
        (args.output / fairness.BIAS_REPORT_FILE).write_text(
            json.dumps(report["shadowloop"]["fairness"], indent=2, allow_nan=False)
        )
    summary = report["shadowloop"]
    print(
        f"evaluated on {summary['holdout_rows']} holdout rows of {data_file}: "
        f"candidate {spec.metric}={summary['candidate'][spec.metric]}, "
        f"champion={'none' if summary['champion'] is None else summary['champion'][spec.metric]}"
    )
    return 0


def _metrics(spec: ModelSpec, y_true, predictions: Predictions) -> dict[str, float]:
    return compute_metrics(
        spec.task, y_true, predictions.values, predictions.proba, predictions.classes
    )


def _finite(value: Any) -> Any:
    """NaN and infinities become null, so evaluation.json is strict JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(value: float) -> float | str:
    return value if math.isfinite(value) else "NaN"


if __name__ == "__main__":
    sys.exit(main())
