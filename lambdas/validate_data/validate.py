"""ValidateData: pin a dataset version as a snapshot, check its quality, write the report."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from lambdas.shared import csvtext, datasets, s3uri
from lambdas.shared.contracts import layout, steps
from lambdas.shared.settings import ModelSpec
from lambdas.validate_data.quality import DEFAULT_LIMITS, Limits, QualityReport, check

# How many errors the failure message quotes; the report holds them all.
QUOTED_ERRORS = 3
# The snapshots checked by whole columns; others are streamed a row at a time, as before.
# Importing pyarrow costs about 0.2 s of CPU (bench/cold_start.py), what the row loop takes
# on about 1 MiB of CSV; the columns at peak hold about six times the snapshot's size.
COLUMNAR_MIN_BYTES = 2**20
COLUMNAR_MAX_BYTES = 96 * 2**20


class DatasetInvalid(Exception):
    """The dataset version fails the quality checks; the message quotes the first errors."""


def validate_dataset(
    s3: Any,
    *,
    data_bucket: str,
    spec: ModelSpec,
    dataset: str,
    version_id: str | None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Pin the version, check the snapshot, always write the report, then pass or raise."""
    datasets.check_name(dataset)
    version_id = datasets.resolve_version(s3, data_bucket, dataset, version_id)
    snapshot = datasets.pin_snapshot(s3, data_bucket, dataset, version_id)
    if COLUMNAR_MIN_BYTES <= datasets.size(s3, data_bucket, snapshot) <= COLUMNAR_MAX_BYTES:
        report = check_csv(datasets.read_bytes(s3, data_bucket, snapshot), spec, limits)
    else:
        report = _check_records(datasets.read_rows(s3, data_bucket, snapshot), spec, limits)
    result = steps.VALIDATE_DATA.answer(
        dataset=dataset,
        version_id=version_id,
        source_uri=s3uri.build(data_bucket, layout.dataset_key(dataset)),
        snapshot_uri=s3uri.build(data_bucket, snapshot),
        report_uri=s3uri.build(data_bucket, layout.report_key(dataset, version_id)),
        rows=report.rows,
    )
    _write_report(s3, data_bucket, layout.report_key(dataset, version_id), result, report)
    if not report.passed:
        raise DatasetInvalid(failure_message(dataset, version_id, report.errors))
    return result


def check_csv(body: bytes, spec: ModelSpec, limits: Limits = DEFAULT_LIMITS) -> QualityReport:
    """The quality report on CSV bytes: by columns where pyarrow reads them exactly, else by row."""
    # Imported here so a cold start that checks no mid-sized snapshot never loads pyarrow.
    from lambdas.shared import csvcolumns
    from lambdas.validate_data.columnar import check_columns

    table = csvcolumns.read(body)
    if table is not None:
        return check_columns(table, spec, limits)
    return _check_records(csvtext.records(io.BytesIO(body)), spec, limits)


def _check_records(records: Iterator[list[str]], spec: ModelSpec, limits: Limits) -> QualityReport:
    try:
        return check(records, spec, limits)
    except csvtext.UnreadableCsv as exc:
        return QualityReport(rows=0, errors=[str(exc)], warnings=[], columns={})


def failure_message(dataset: str, version_id: str, errors: list[str]) -> str:
    """One line naming the dataset version and its first errors."""
    quoted = "; ".join(errors[:QUOTED_ERRORS])
    more = f" (and {len(errors) - QUOTED_ERRORS} more)" if len(errors) > QUOTED_ERRORS else ""
    return f"dataset {dataset!r} version {version_id}: {quoted}{more}"


def _write_report(
    s3: Any, bucket: str, key: str, result: dict[str, Any], report: QualityReport
) -> None:
    document = {
        "dataset": result["dataset"],
        "version_id": result["version_id"],
        "source_uri": result["source_uri"],
        "snapshot_uri": result["snapshot_uri"],
        "rows": report.rows,
        "duplicates": report.duplicates,
        "passed": report.passed,
        "errors": report.errors,
        "warnings": report.warnings,
        "columns": report.columns,
    }
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(document, indent=2).encode("utf-8"),
        ContentType="application/json",
    )
