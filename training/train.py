"""Train a candidate model (SageMaker script mode).

    python train.py --n_estimators 200 --max_depth 8

Reads the model spec from the spec channel (or ``--model-spec`` JSON) and the one CSV in
the train channel, fits on the rows outside the holdout (``split.py``) and writes
``model.joblib``, ``metadata.json`` and the inference code (``code/``) to the model
directory.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline

import modelfiles
import modelspec
from features import DataError, model_inputs, preprocessor, read_csv_dir, target_values
from modelspec import InputError, ModelSpec
from split import HOLDOUT_FRACTION, holdout_rows

DEFAULT_HYPERPARAMETERS = {"n_estimators": 200, "max_depth": 8, "learning_rate": 0.1}
# Set on the training job by the pipeline, so the model records the exact data it saw.
DATASET_URI_ENV = "SHADOWLOOP_DATASET_URI"
VERSION_ID_ENV = "SHADOWLOOP_VERSION_ID"


def build_pipeline(spec: ModelSpec, hyperparameters: dict[str, Any]) -> Pipeline:
    """Preprocessing plus gradient-boosted trees; ``n_estimators`` is the boosting rounds."""
    settings = {**DEFAULT_HYPERPARAMETERS, **hyperparameters}
    estimator_class = (
        HistGradientBoostingRegressor
        if spec.task == "regression"
        else HistGradientBoostingClassifier
    )
    estimator = estimator_class(
        max_iter=int(settings["n_estimators"]),
        max_depth=settings["max_depth"],
        learning_rate=float(settings["learning_rate"]),
        # A fixed number of rounds and seed: the same data always gives the same model.
        early_stopping=False,
        random_state=0,
    )
    return Pipeline([("prepare", preprocessor(spec)), ("model", estimator)])


def fit(frame: pd.DataFrame, spec: ModelSpec, hyperparameters: dict[str, Any]) -> Pipeline:
    """Fit on the rows outside the holdout that have a target."""
    inputs = model_inputs(frame, spec)
    target = target_values(frame, spec)
    rows = training_rows(frame, spec) & target.notna().to_numpy()
    if not rows.any():
        raise DataError("no training rows: every row is in the holdout or lacks a target")
    if spec.task == "classification" and target[rows].nunique() < 2:
        raise DataError(f"target {spec.target!r} has a single class in the training rows")
    pipeline = build_pipeline(spec, hyperparameters)
    pipeline.fit(inputs[rows], target[rows])
    return pipeline


def training_rows(frame: pd.DataFrame, spec: ModelSpec) -> np.ndarray:
    """The complement of the holdout that ``evaluate.py`` scores on."""
    return ~holdout_rows(frame, spec)


def metadata(
    frame: pd.DataFrame, spec: ModelSpec, hyperparameters: dict[str, Any], data_file: str
) -> dict[str, Any]:
    """What a model needs to be served, audited and traced back to its data."""
    rows = training_rows(frame, spec) & frame[spec.target].notna().to_numpy()
    return {
        "model_spec": spec.to_dict(),
        "target": spec.target,
        "task": spec.task,
        "hyperparameters": {**DEFAULT_HYPERPARAMETERS, **hyperparameters},
        "training_rows": int(rows.sum()),
        "holdout_fraction": HOLDOUT_FRACTION,
        "data": {
            "file": data_file,
            "dataset_uri": os.environ.get(DATASET_URI_ENV) or None,
            "version_id": os.environ.get(VERSION_ID_ENV) or None,
        },
        "library_versions": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        # timezone.utc, not datetime.UTC: the container's Python may predate 3.11.
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),  # noqa: UP017
    }


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, dict[str, Any]]:
    """Arguments as SageMaker passes them; unknown extra arguments are ignored."""
    parser = argparse.ArgumentParser(description="Train a candidate model.")
    parser.add_argument("--model-spec", "--model_spec", dest="model_spec")
    # Absent hyperparameters stay absent (SUPPRESS), so "--max_depth None" can mean unlimited.
    hyper = {"default": argparse.SUPPRESS}
    parser.add_argument("--n_estimators", "--n-estimators", type=int, **hyper)
    parser.add_argument("--max_depth", "--max-depth", type=depth, **hyper)
    parser.add_argument("--learning_rate", "--learning-rate", type=float, **hyper)
    parser.add_argument(
        "--model-dir", type=Path, default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
    )
    parser.add_argument(
        "--train",
        type=Path,
        default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"),
    )
    parser.add_argument(
        "--spec", type=Path, default=os.environ.get("SM_CHANNEL_SPEC", "/opt/ml/input/data/spec")
    )
    args, _ = parser.parse_known_args(argv)
    given = {name: getattr(args, name) for name in DEFAULT_HYPERPARAMETERS if hasattr(args, name)}
    return args, given


def main(argv: list[str] | None = None) -> int:
    """Read the channel, fit, write the model files. Bad input: one line on stderr, exit 2."""
    args, hyperparameters = parse_args(argv)
    try:
        spec = modelspec.load(args.model_spec, args.spec)
        frame, data_file = read_csv_dir(Path(args.train))
        pipeline = fit(frame, spec, hyperparameters)
        modelfiles.save(
            Path(args.model_dir), pipeline, metadata(frame, spec, hyperparameters, data_file)
        )
        modelfiles.ship_code(Path(args.model_dir), Path(__file__).resolve().parent)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"trained {spec.task} model for {spec.dataset!r} on {data_file} -> {args.model_dir}")
    return 0


def depth(text: str) -> int | None:
    """A depth limit; empty, 'none' or 'null' mean unlimited."""
    if text.strip().lower() in ("", "none", "null"):
        return None
    return int(text)


if __name__ == "__main__":
    sys.exit(main())
