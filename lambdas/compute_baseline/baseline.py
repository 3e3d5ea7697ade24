"""Summarise a run's training snapshot into the baseline that drift checks compare against."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lambdas.shared import csvtext, s3uri
from lambdas.shared.contracts import layout
from lambdas.shared.drift import build_baseline
from lambdas.shared.drift.arrowcsv import iter_csv_columns
from lambdas.shared.settings import ModelSpec


def baseline_key(run_id: str) -> str:
    return layout.baseline_key(run_id)


def compute_baseline(
    s3: Any, *, run_id: str, snapshot_uri: str, artifact_bucket: str, spec: ModelSpec
) -> str:
    """Stream the snapshot CSV, build ``statistics.json`` and return its S3 URI."""
    bucket, key = s3uri.parse(snapshot_uri)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        chunks = iter_csv_columns(body, lambda: _lines(s3, bucket, key))
        baseline = build_baseline(chunks, spec.features, target=spec.target)
    finally:
        body.close()
    baseline["dataset"]["snapshot_uri"] = snapshot_uri
    out_key = baseline_key(run_id)
    s3.put_object(
        Bucket=artifact_bucket,
        Key=out_key,
        Body=json.dumps(baseline, separators=(",", ":")).encode(),
        ContentType="application/json",
    )
    return s3uri.build(artifact_bucket, out_key)


def _lines(s3: Any, bucket: str, key: str) -> Iterator[str]:
    """The snapshot afresh as text lines: its header, or the rows pyarrow refused."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        yield from csvtext.lines(body)
    finally:
        body.close()
