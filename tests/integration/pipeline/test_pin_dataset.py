"""PinDataset against moto: the version it resolves, the snapshot it pins and its size."""

import pytest

from lambdas.pin_dataset.handler import handler
from lambdas.shared.contracts import steps
from lambdas.shared.datasets import DatasetNotFound
from tests.integration.pipeline.conftest import DATA_BUCKET, DATASET, push_dataset, read
from tests.unit.pipeline.data import rows, to_csv


@pytest.fixture
def pin(aws, function_environment, context):
    function_environment("pin_dataset", DATA_BUCKET=DATA_BUCKET)
    return lambda version_id=None, dataset=DATASET: handler(
        {"run_id": "run-1", "dataset": dataset, "version_id": version_id}, context
    )


def test_the_latest_version_is_pinned_and_its_size_answered(s3, pin):
    # Given two pushed versions
    older = push_dataset(s3, to_csv(rows(60)))
    body = to_csv(rows(80, seed=3))
    latest = push_dataset(s3, body)

    # When the step runs without a version
    result = pin()

    # Then it pins the latest version's bytes and answers their size
    assert tuple(result) == steps.PIN_DATASET.result
    snapshot = f"snapshots/{DATASET}/{latest}/data.csv"
    assert result["version_id"] == latest != older
    assert result["snapshot_uri"] == f"s3://{DATA_BUCKET}/{snapshot}"
    assert result["report_uri"] == f"s3://{DATA_BUCKET}/reports/validation/{DATASET}/{latest}.json"
    assert result["size_bytes"] == len(body)
    assert read(s3, DATA_BUCKET, snapshot) == body


def test_an_unknown_version_is_refused_as_validate_data_refuses_it(s3, pin):
    push_dataset(s3, to_csv(rows(60)))

    with pytest.raises(DatasetNotFound, match="has no version 'nope'"):
        pin(version_id="nope")
