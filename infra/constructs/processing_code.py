"""The ``lambdas`` package as the validation processing job's code: what the Lambdas run.

The asset is the staged function package, zipped by CDK, so the job runs the very modules
ValidateData and ComputeBaseline run (and shares their asset object when the hashes agree).
"""

from __future__ import annotations

from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from infra.constructs.function import stage_lambda_package


class ProcessingCode(Construct):
    """Uploads the ``lambdas`` package as a zip; ``uri`` and ``object_key`` name that upload."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.asset = s3_assets.Asset(self, "Asset", path=str(stage_lambda_package()))
        self.uri = self.asset.s3_object_url
        self.bucket_name = self.asset.s3_bucket_name
        self.object_key = self.asset.s3_object_key
