"""ValidateData against moto: the pinned snapshot, the report, and the errors a user sees."""

import json

import pytest

from lambdas.shared.contracts import steps
from lambdas.shared.datasets import DatasetNotFound
from lambdas.validate_data.handler import handler
from lambdas.validate_data.validate import DatasetInvalid
from tests.integration.pipeline.conftest import DATA_BUCKET, DATASET, push_dataset, read
from tests.unit.pipeline.data import COLUMNS, TARGET, rows, to_csv


def run(context, version_id=None, dataset=DATASET):
    return handler({"run_id": "run-1", "dataset": dataset, "version_id": version_id}, context)


def test_latest_version_is_pinned_and_reported(s3, context):
    # Given one pushed version
    body = to_csv(rows(60))
    version_id = push_dataset(s3, body)

    # When the step runs without a version
    result = run(context)

    # Then it pins that version's bytes and writes a passing report
    assert tuple(result) == steps.VALIDATE_DATA.result
    assert result == {
        "dataset": DATASET,
        "version_id": version_id,
        "source_uri": f"s3://{DATA_BUCKET}/datasets/{DATASET}/data.csv",
        "snapshot_uri": f"s3://{DATA_BUCKET}/snapshots/{DATASET}/{version_id}/data.csv",
        "report_uri": f"s3://{DATA_BUCKET}/reports/validation/{DATASET}/{version_id}.json",
        "rows": 60,
    }
    assert read(s3, DATA_BUCKET, f"snapshots/{DATASET}/{version_id}/data.csv") == body
    report = json.loads(read(s3, DATA_BUCKET, f"reports/validation/{DATASET}/{version_id}.json"))
    assert report["passed"] is True
    assert report["rows"] == 60
    assert report["columns"]["city_zone"]["distinct"] == 4


def test_requested_version_is_pinned_even_after_a_newer_push(s3, context):
    # Given two versions, the older one asked for
    first = to_csv(rows(60, seed=1))
    first_id = push_dataset(s3, first)
    push_dataset(s3, to_csv(rows(80, seed=2)))

    # When the step runs for the first version, and again for the latest
    pinned = run(context, first_id)
    latest = run(context)

    # Then each snapshot holds exactly its own version's bytes
    assert pinned["rows"] == 60
    assert read(s3, DATA_BUCKET, f"snapshots/{DATASET}/{first_id}/data.csv") == first
    assert latest["version_id"] != first_id
    assert latest["rows"] == 80


def test_an_existing_snapshot_is_never_overwritten(s3, context):
    version_id = push_dataset(s3, to_csv(rows(60)))
    snapshot = f"snapshots/{DATASET}/{version_id}/data.csv"
    kept = to_csv(rows(55, seed=3))
    s3.put_object(Bucket=DATA_BUCKET, Key=snapshot, Body=kept)

    result = run(context, version_id)

    assert read(s3, DATA_BUCKET, snapshot) == kept
    assert result["rows"] == 55


def test_missing_target_column_fails_after_writing_the_report(s3, context):
    version_id = push_dataset(s3, to_csv(rows(60), [c for c in COLUMNS if c != TARGET]))

    with pytest.raises(DatasetInvalid, match="missing target column 'delivery_minutes'"):
        run(context)

    report = json.loads(read(s3, DATA_BUCKET, f"reports/validation/{DATASET}/{version_id}.json"))
    assert report["passed"] is False
    assert report["errors"] == ["missing target column 'delivery_minutes'"]


def test_text_in_a_numeric_column_names_the_column(s3, context):
    data = rows(60)
    data[2]["rain_mm"] = "heavy"
    data[7]["rain_mm"] = "light"
    version_id = push_dataset(s3, to_csv(data))

    with pytest.raises(DatasetInvalid) as raised:
        run(context)

    assert str(raised.value) == (
        f"dataset 'delivery-eta' version {version_id}: "
        "column 'rain_mm': 2 values are not numbers (rows 4, 9)"
    )
    report = json.loads(read(s3, DATA_BUCKET, f"reports/validation/{DATASET}/{version_id}.json"))
    assert report["columns"]["rain_mm"]["invalid"] == 2


# A step that fails before deciding anything has no metric to publish.
@pytest.mark.filterwarnings("ignore:No application metrics")
def test_unknown_dataset_or_version_is_named(s3, context):
    push_dataset(s3, to_csv(rows(60)))

    with pytest.raises(DatasetNotFound, match="dataset 'loans' not found"):
        run(context, dataset="loans")
    with pytest.raises(DatasetNotFound, match="has no version 'v-missing'"):
        run(context, "v-missing")
    with pytest.raises(DatasetNotFound, match="is not valid"):
        run(context, dataset="../secrets")
