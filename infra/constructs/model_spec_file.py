"""The model spec as a file in S3, so that no request field has to carry it.

SageMaker limits a ``ContainerArguments`` item to 256 characters and a hyperparameter to
2,500, and Lambda a function's variables to 4 KB in all; a spec grows with every feature.
Jobs get this file as an input, and functions read it from S3 (``MODEL_SPEC_URI``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from infra.config import ROOT, ModelSpec
from lambdas.shared.contracts.environment import MODEL_SPEC_URI

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
        self.environment = {MODEL_SPEC_URI: self.uri}
        """The variable that tells a function where the spec is."""

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """``s3:GetObject`` on the spec object alone."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[
                    f"arn:{Aws.PARTITION}:s3:::{self.asset.s3_bucket_name}/{self.asset.s3_object_key}"
                ],
            )
        )
