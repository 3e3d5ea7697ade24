"""PrepareRetrainingData against moto: the new dataset version and its lineage."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from lambdas.prepare_retraining_data.handler import handler
from lambdas.shared import clients
from lambdas.shared.capture import encode_line
from lambdas.shared.contracts import feedback as contract
from lambdas.shared.contracts import steps
from lambdas.shared.datasets import DatasetNotFound
from tests import inference_table
from tests.integration.corrupt_captures import REASONS, corrupt_line
from tests.integration.pipeline.conftest import (
    CAPTURE_BUCKET,
    DATA_BUCKET,
    DATA_KEY,
    DATASET,
    ENDPOINT,
    TABLE,
    push_dataset,
    read,
)
from tests.integration.pipeline.test_resolve_champion import register, serve
from tests.unit.pipeline.data import COLUMNS, TARGET, records, rows, to_csv

# An hour ago: inside the bound of a base version pushed by the test (its time, less 24 h).
WHEN = (datetime.now(UTC) - timedelta(hours=1)).replace(minute=15, second=0, microsecond=0)
HOUR = f"{WHEN:%Y/%m/%d/%H}"


def capture_batch(s3, name, ids, variant="champion", seed=11):
    """One captured request holding one instance per inference id."""
    instances = [{k: v for k, v in r.items() if k != TARGET} for r in rows(len(ids), seed=seed)]
    line = encode_line(
        {"instances": instances, "inference_ids": ids},
        {"predictions": [30.0] * len(ids)},
        event_id=name,
        inference_id=name,
        inference_time=WHEN,
    )
    key = f"capture/{ENDPOINT}/{variant}/{HOUR}/{name}.jsonl"
    s3.put_object(Bucket=CAPTURE_BUCKET, Key=key, Body=f"{line}\nnot json\n".encode())
    return instances


def validated(s3, version_id, passed=True):
    """The validation report ValidateData writes for a version."""
    key = f"reports/validation/{DATASET}/{version_id}.json"
    body = {"dataset": DATASET, "version_id": version_id, "passed": passed, "errors": []}
    s3.put_object(Bucket=DATA_BUCKET, Key=key, Body=json.dumps(body).encode())
    return version_id


def push_validated(s3, body, passed=True):
    return validated(s3, push_dataset(s3, body), passed)


def feedback(s3, inference_id, actual, when=WHEN):
    """The label of a prediction made at ``when``, as POST /feedback records it."""
    dynamodb = boto3.client("dynamodb")
    if "Item" not in dynamodb.get_item(TableName=TABLE, Key={"inference_id": {"S": inference_id}}):
        dynamodb.put_item(TableName=TABLE, Item={"inference_id": {"S": inference_id}})
    inference_table.label(dynamodb, TABLE, inference_id, actual, contract.hour_key(when))


def prepare(context, run_id="run-1"):
    return handler({"run_id": run_id, "dataset": DATASET}, context)


def test_labelled_captures_become_a_new_dataset_version(s3, context):
    # Given a dataset, one captured batch of three, feedback for two of them,
    # and a shadow capture that must not count twice
    base = to_csv(rows(50))
    base_id = push_validated(s3, base)
    instances = capture_batch(s3, "batch-1", ["id-1", "id-2", "id-3"])
    capture_batch(s3, "batch-1", ["id-1", "id-2", "id-3"], variant="challenger")
    feedback(s3, "id-1", 41.5)
    feedback(s3, "id-3", 27.0)

    # When the step runs
    result = prepare(context)

    # Then a new version holds the base rows plus the two labelled ones, in column order
    assert set(result) == set(steps.PREPARE_RETRAINING_DATA.result)
    assert result["base_version_id"] == base_id
    assert result["version_id"] != base_id
    assert (result["rows"], result["captured_rows"]) == (52, 2)
    assert result["records_skipped"] == 1
    assert result["skipped"]["unlabelled"] == 1
    new = read(s3, DATA_BUCKET, DATA_KEY, result["version_id"])
    assert new.startswith(base)
    appended = records(new)[-2:]
    assert [row[COLUMNS.index(TARGET)] for row in appended] == ["41.5", "27.0"]
    assert appended[1][COLUMNS.index("city_zone")] == instances[2]["city_zone"]
    assert appended[0][COLUMNS.index("distance_km")] == str(instances[0]["distance_km"])
    head = s3.head_object(Bucket=DATA_BUCKET, Key=DATA_KEY, VersionId=result["version_id"])
    assert head["Metadata"] == {
        "source": "retraining",
        "base_version_id": base_id,
        "run_id": "run-1",
    }
    # And its lineage names both sources and the inference ids it includes
    lineage = json.loads(
        read(s3, DATA_BUCKET, f"datasets/{DATASET}/lineage/{result['version_id']}.json")
    )
    assert [source["kind"] for source in lineage["sources"]] == ["dataset", "captures"]
    assert lineage["sources"][0]["version_id"] == base_id
    assert lineage["inference_ids"] == ["id-1", "id-3"]


def test_captures_already_included_are_not_added_again(s3, context):
    # Given a retraining version that includes id-1
    push_validated(s3, to_csv(rows(50)))
    capture_batch(s3, "batch-1", ["id-1", "id-2"])
    feedback(s3, "id-1", 41.5)
    first = prepare(context, "run-1")
    validated(s3, first["version_id"])  # as ValidateData does next in the run

    # When feedback for id-2 arrives and the step runs again
    feedback(s3, "id-2", 18.0)
    second = prepare(context, "run-2")

    # Then only id-2 is added on top of the first retraining version
    assert second["base_version_id"] == first["version_id"]
    assert (second["rows"], second["captured_rows"]) == (52, 1)
    assert second["skipped"]["already_included"] == 1
    new = read(s3, DATA_BUCKET, DATA_KEY, second["version_id"])
    assert [row[COLUMNS.index(TARGET)] for row in records(new)[-2:]] == ["41.5", "18.0"]


def test_nothing_labelled_keeps_the_base_version(s3, context):
    base_id = push_validated(s3, to_csv(rows(50)))
    capture_batch(s3, "batch-1", ["id-1"])

    result = prepare(context)

    assert result["version_id"] == result["base_version_id"] == base_id
    assert (result["rows"], result["captured_rows"]) == (50, 0)
    versions = s3.list_object_versions(Bucket=DATA_BUCKET, Prefix=DATA_KEY)["Versions"]
    assert [v["VersionId"] for v in versions] == [base_id]


def _capture_at(s3, name, ids, when, seed):
    instances = [{k: v for k, v in r.items() if k != TARGET} for r in rows(len(ids), seed=seed)]
    line = encode_line(
        {"instances": instances, "inference_ids": ids},
        {"predictions": [30.0] * len(ids)},
        event_id=name,
        inference_id=name,
        inference_time=when,
    )
    hour = f"{when:%Y/%m/%d/%H}"
    s3.put_object(
        Bucket=CAPTURE_BUCKET, Key=f"capture/{ENDPOINT}/champion/{hour}/{name}.jsonl", Body=line
    )
    for index, inference_id in enumerate(ids):
        feedback(s3, inference_id, 50.0 + index, when)


def test_a_quality_run_trains_on_the_recent_labelled_traffic_only(s3, context):
    # Given a dataset, labelled traffic from 30 hours ago and 120 recent labelled predictions
    base_id = push_validated(s3, to_csv(rows(50)))
    _capture_at(s3, "old", [f"old-{i}" for i in range(20)], WHEN - timedelta(hours=30), seed=1)
    recent_ids = [f"new-{i}" for i in range(120)]
    _capture_at(s3, "new", recent_ids, WHEN, seed=2)

    # When a quality-triggered run prepares its data with a 24-hour look-back
    result = handler({"run_id": "quality-1", "dataset": DATASET, "trigger": "quality"}, context)

    # Then the new version holds the header and the recent rows only, the old version kept
    assert result["mode"] == "recent_traffic"
    assert (result["rows"], result["captured_rows"]) == (120, 120)
    assert result["since"] == (WHEN - timedelta(hours=24)).isoformat()
    new = records(read(s3, DATA_BUCKET, DATA_KEY, result["version_id"]))
    assert new[0] == COLUMNS and len(new) == 121
    assert [row[COLUMNS.index(TARGET)] for row in new[1:3]] == ["50.0", "51.0"]
    assert read(s3, DATA_BUCKET, DATA_KEY, base_id) == to_csv(rows(50))
    # And its lineage names the version it replaces and exactly the recent ids
    lineage = json.loads(
        read(s3, DATA_BUCKET, f"datasets/{DATASET}/lineage/{result['version_id']}.json")
    )
    assert lineage["base_version_id"] == base_id
    assert lineage["mode"] == "recent_traffic"
    assert lineage["inference_ids"] == recent_ids


def test_captures_and_labels_from_before_the_bound_are_not_read(s3, context):
    # Given a base version, labelled traffic 30 hours before it was written and recent traffic
    base_id = push_validated(s3, to_csv(rows(50)))
    _capture_at(s3, "old", ["old-1", "old-2"], WHEN - timedelta(hours=29), seed=1)
    _capture_at(s3, "new", ["new-1"], WHEN, seed=2)
    sent = []
    clients.s3().meta.events.register(
        "provide-client-params.s3.GetObject", lambda params, **_: sent.append(params["Key"])
    )

    # When a drift run prepares its data (look-back 24 hours)
    result = prepare(context)

    # Then only the recent row is added, and the older capture file was never fetched
    assert (result["base_version_id"], result["captured_rows"]) == (base_id, 1)
    captures = [k for k in sent if k.startswith("capture/")]
    assert captures == [f"capture/{ENDPOINT}/champion/{HOUR}/new.jsonl"]
    lineage = json.loads(
        read(s3, DATA_BUCKET, f"datasets/{DATASET}/lineage/{result['version_id']}.json")
    )
    assert lineage["inference_ids"] == ["new-1"]
    base_written = s3.head_object(Bucket=DATA_BUCKET, Key=DATA_KEY, VersionId=base_id)
    since = datetime.fromisoformat(lineage["sources"][1]["since"])
    assert since == base_written["LastModified"] - timedelta(hours=24)


def test_a_quality_run_with_little_recent_traffic_appends_like_drift(s3, context):
    # Given a dataset and only 30 recent labelled predictions
    base = to_csv(rows(50))
    push_validated(s3, base)
    _capture_at(s3, "new", [f"new-{i}" for i in range(30)], WHEN, seed=2)

    # When a quality run prepares its data
    result = handler({"run_id": "quality-2", "dataset": DATASET, "trigger": "quality"}, context)

    # Then the base rows stay and the 30 are appended
    assert result["mode"] == "append"
    assert (result["rows"], result["captured_rows"]) == (80, 30)
    assert read(s3, DATA_BUCKET, DATA_KEY, result["version_id"]).startswith(base)


def champion_trained_on(sagemaker, s3, version_id):
    """A serving champion whose package records the dataset version it was trained on."""
    arn = register(sagemaker, s3, "champion")
    sagemaker.update_model_package(
        ModelPackageArn=arn,
        CustomerMetadataProperties={"dataset": DATASET, "version_id": version_id},
    )
    serve(sagemaker, arn)
    return arn


def test_a_bad_push_after_the_champion_does_not_break_a_drift_retraining(s3, sagemaker, context):
    # Given a champion trained on a version, then a pushed version that failed validation
    base = to_csv(rows(50))
    champion_version = push_validated(s3, base)
    champion_trained_on(sagemaker, s3, champion_version)
    bad = push_validated(s3, b"distance_km\nnot-a-number\n", passed=False)
    capture_batch(s3, "batch-1", ["id-1", "id-2"])
    feedback(s3, "id-1", 41.5)

    # When a drift retraining prepares its data
    result = handler({"run_id": "drift-1", "dataset": DATASET, "trigger": "drift"}, context)

    # Then it builds on the champion's version, not on the bad push
    assert (result["base_version_id"], result["base"]) == (champion_version, "champion")
    assert result["version_id"] not in (champion_version, bad)
    assert (result["rows"], result["captured_rows"]) == (51, 1)
    assert read(s3, DATA_BUCKET, DATA_KEY, result["version_id"]).startswith(base)
    # And the new version's lineage names the base it built on
    lineage = json.loads(
        read(s3, DATA_BUCKET, f"datasets/{DATASET}/lineage/{result['version_id']}.json")
    )
    assert lineage["base_version_id"] == champion_version
    assert lineage["sources"][0]["version_id"] == champion_version


def test_without_a_champion_the_newest_version_that_passed_is_the_base(s3, context):
    # Given a version that passed, a newer one that failed and a newest one never validated
    good = push_validated(s3, to_csv(rows(50)))
    push_validated(s3, to_csv(rows(10)), passed=False)
    push_dataset(s3, to_csv(rows(5)))
    capture_batch(s3, "batch-1", ["id-1"])
    feedback(s3, "id-1", 41.5)

    result = prepare(context)

    assert (result["base_version_id"], result["base"]) == (good, "latest_validated")
    assert (result["rows"], result["captured_rows"]) == (51, 1)


def test_no_version_that_passed_is_one_clear_error(s3, context):
    push_validated(s3, to_csv(rows(50)), passed=False)

    with pytest.raises(DatasetNotFound, match=r"has no version that passed validation"):
        prepare(context)


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_a_corrupt_capture_line_is_counted_and_the_rest_is_used(s3, context, kind, capsys):
    # Given a labelled good capture and a labelled capture corrupted as ``kind``
    base_id = push_validated(s3, to_csv(rows(50)))
    capture_batch(s3, "batch-1", ["id-1"])
    instance = {k: v for k, v in rows(1, seed=12)[0].items() if k != TARGET}
    line = corrupt_line(kind, instance, "id-bad", WHEN)
    key = f"capture/{ENDPOINT}/champion/{HOUR}/corrupt.jsonl"
    s3.put_object(Bucket=CAPTURE_BUCKET, Key=key, Body=line.encode())
    feedback(s3, "id-1", 41.5)
    feedback(s3, "id-bad", 20.0)

    # When the step runs
    result = prepare(context)

    # Then the good row is appended, the corrupt one counted (with capture_batch's
    # "not json" line) and left out
    assert result["base_version_id"] == base_id
    assert (result["rows"], result["captured_rows"], result["records_skipped"]) == (51, 1, 2)
    new = records(read(s3, DATA_BUCKET, DATA_KEY, result["version_id"]))
    assert [row[COLUMNS.index(TARGET)] for row in new[-1:]] == ["41.5"]
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert next(b for b in blobs if "RecordsSkipped" in b)["RecordsSkipped"] == [2.0]
