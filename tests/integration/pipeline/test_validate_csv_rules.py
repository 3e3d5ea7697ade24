"""ValidateData reads CSV bytes by one set of rules, and every refusal names its row."""

from __future__ import annotations

import json

import pytest

from lambdas.shared import csvtext
from lambdas.validate_data.handler import handler
from lambdas.validate_data.validate import DatasetInvalid
from tests.integration.pipeline.conftest import DATA_BUCKET, DATASET, push_dataset, read
from tests.unit.pipeline.data import rows, to_csv


def run(context):
    return handler({"run_id": "run-1", "dataset": DATASET, "version_id": None}, context)


def report_of(s3, version_id):
    key = f"reports/validation/{DATASET}/{version_id}.json"
    return json.loads(read(s3, DATA_BUCKET, key))


def test_a_cell_over_the_limit_fails_with_its_row_in_the_report(s3, context):
    data = rows(60)
    data[9]["city_zone"] = "n" * (csvtext.CELL_LIMIT + 1)
    version_id = push_dataset(s3, to_csv(data))

    with pytest.raises(DatasetInvalid, match="row 11: a cell is longer than 131072 characters"):
        run(context)

    report = report_of(s3, version_id)
    assert report["passed"] is False
    assert report["errors"] == ["row 11: a cell is longer than 131072 characters"]


def test_bad_bytes_after_64_kib_fail_with_their_row(s3, context):
    body = to_csv(rows(2000))
    assert len(body) > 65536
    lines = body.split(b"\n")
    lines[1500] = lines[1500].replace(b"north", b"nor\xfft", 1).replace(b"south", b"sou\xfft", 1)
    version_id = push_dataset(s3, b"\n".join(lines))

    with pytest.raises(DatasetInvalid, match="row 1501: not valid UTF-8"):
        run(context)

    assert report_of(s3, version_id)["errors"][0].startswith("row 1501: not valid UTF-8")


def test_a_bom_is_dropped_and_the_header_read(s3, context):
    push_dataset(s3, b"\xef\xbb\xbf" + to_csv(rows(60)))

    assert run(context)["rows"] == 60
