"""Summarise a run's training snapshot into the baseline that drift checks compare against."""

from __future__ import annotations

import json
from typing import Any

from lambdas.shared import csvtext, s3uri
from lambdas.shared.contracts import layout
from lambdas.shared.drift import build_baseline, iter_csv_chunks
from lambdas.shared.settings import ModelSpec


def baseline_key(run_id: str) -> str:
    return layout.baseline_key(run_id)


def compute_baseline(
    s3: Any, *, run_id: str, snapshot_uri: str, artifact_bucket: str, spec: ModelSpec
) -> str:
    """Stream the snapshot CSV, build ``statistics.json`` and return its S3 URI."""
    bucket, key = s3uri.parse(snapshot_uri)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    baseline = build_baseline(
        iter_csv_chunks(csvtext.lines(body)), spec.features, target=spec.target
    )
    baseline["dataset"]["snapshot_uri"] = snapshot_uri
    out_key = baseline_key(run_id)
    s3.put_object(
        Bucket=artifact_bucket,
        Key=out_key,
        Body=json.dumps(baseline, separators=(",", ":")).encode(),
        ContentType="application/json",
    )
    return s3uri.build(artifact_bucket, out_key)
