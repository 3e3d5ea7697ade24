"""The model spec as a file in S3, so that no request field has to carry it.

SageMaker limits a ``ContainerArguments`` item to 256 characters and a hyperparameter to
2,500; a spec grows with every feature. Jobs get this file as an input instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from infra.config import ROOT, ModelSpec

BUILD_DIR = ROOT / "build" / "model-spec"
FILE_NAME = "model-spec.json"


def write_spec_file(spec: ModelSpec, out_dir: Path = BUILD_DIR) -> Path:
    """``spec``'s wire form in a directory named by its hash (parallel synths never clash)."""
    text = spec.to_json()
    target = out_dir / hashlib.sha256(text.encode()).hexdigest()[:16] / FILE_NAME
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_text(text)
        partial.replace(target)
    return target


class ModelSpecFile(Construct):
    """Uploads the model spec; ``uri`` is its ``s3://`` URL."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: ModelSpec) -> None:
        super().__init__(scope, construct_id)
        self.asset = s3_assets.Asset(self, "Asset", path=str(write_spec_file(spec)))
        self.uri = self.asset.s3_object_url
