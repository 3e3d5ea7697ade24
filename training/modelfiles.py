"""A trained model on disk: ``model.joblib`` plus ``metadata.json``, packed as ``model.tar.gz``."""

from __future__ import annotations

import json
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
from sklearn.pipeline import Pipeline

import modelspec
from modelspec import InputError, ModelSpec

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
TARBALL = "model.tar.gz"
# Inside the model directory; a package sets SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code.
CODE_DIR = "code"


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline and the spec it was trained for."""

    pipeline: Pipeline
    spec: ModelSpec
    metadata: dict[str, Any]

    @property
    def classes(self) -> list | None:
        """Class labels in the order of ``predict_proba`` columns; None for regression."""
        classes = getattr(self.pipeline, "classes_", None)
        return None if classes is None else list(classes)


def save(model_dir: Path, pipeline: Pipeline, metadata: dict[str, Any]) -> None:
    """Write the model files where SageMaker packs them into model.tar.gz."""
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, model_dir / MODEL_FILE)
    (model_dir / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True))


def ship_code(model_dir: Path, source_dir: Path) -> None:
    """Copy the scripts into ``model_dir/code``, so the packed model starts with nothing else.

    A package whose code lives elsewhere (such as a CDK asset that ``cdk gc`` may delete)
    could no longer start, and rollback to it would fail.
    """
    target = model_dir / CODE_DIR
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source_dir.glob("*.py")):
        shutil.copyfile(path, target / path.name)


def load(model_dir: Path) -> TrainedModel:
    """Load a model directory written by ``save``."""
    for name in (MODEL_FILE, METADATA_FILE):
        if not (model_dir / name).is_file():
            raise InputError(f"model directory {model_dir} has no {name}")
    metadata = json.loads((model_dir / METADATA_FILE).read_text())
    return TrainedModel(
        pipeline=joblib.load(model_dir / MODEL_FILE),
        spec=modelspec.parse(metadata["model_spec"]),
        metadata=metadata,
    )


def extract(tarball: Path, destination: Path) -> Path:
    """Unpack a model.tar.gz, refusing members that would land outside ``destination``."""
    if not tarball.is_file():
        raise InputError(f"no model archive at {tarball}")
    destination.mkdir(parents=True, exist_ok=True)
    root = destination.resolve()
    with tarfile.open(tarball) as archive:
        # Checked by hand: the container's Python may predate tarfile's extraction filters.
        members = archive.getmembers()
        for member in members:
            if (
                member.issym()
                or member.islnk()
                or not (root / member.name).resolve().is_relative_to(root)
            ):
                raise InputError(f"model archive member {member.name!r} would land outside {root}")
        archive.extractall(destination, members=members)
    return destination
