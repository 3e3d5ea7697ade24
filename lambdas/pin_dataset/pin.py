"""PinDataset: resolve a dataset version and pin it as a snapshot, answering its size.

The state machine chooses by that size between the ValidateData Lambda and the validation
processing job; both then read the same snapshot.
"""

from __future__ import annotations

from typing import Any

from lambdas.shared import datasets, s3uri
from lambdas.shared.contracts import layout, steps


def pin_dataset(
    s3: Any, *, data_bucket: str, dataset: str, version_id: str | None
) -> dict[str, object]:
    """The pinned snapshot of ``version_id`` (the latest when None), with its size in bytes."""
    datasets.check_name(dataset)
    version_id = datasets.resolve_version(s3, data_bucket, dataset, version_id)
    snapshot = datasets.pin_snapshot(s3, data_bucket, dataset, version_id)
    size = s3.head_object(Bucket=data_bucket, Key=snapshot)["ContentLength"]
    return steps.PIN_DATASET.answer(
        dataset=dataset,
        version_id=version_id,
        source_uri=s3uri.build(data_bucket, layout.dataset_key(dataset)),
        snapshot_uri=s3uri.build(data_bucket, snapshot),
        report_uri=s3uri.build(data_bucket, layout.report_key(dataset, version_id)),
        size_bytes=size,
    )
