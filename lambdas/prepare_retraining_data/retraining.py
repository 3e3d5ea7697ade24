"""PrepareRetrainingData: a new dataset version from labelled production traffic.

Production inputs come from the champion's data capture; their labels come from
feedback, joined on the inference id. The training schema stays as it is, so the
inference ids a version includes are recorded beside it, in
``datasets/{dataset}/lineage/{version_id}.json``, and never added twice.

A run builds on the **champion's** dataset version (the one its model package says it
was trained on), or, before there is a champion, on the newest version whose validation
report passed: a version pushed later that failed validation never becomes the base of
every later retraining. The lineage names the base and why (``base``).

A run reads only the traffic predicted since the base version was written, less
``lookback_hours`` (``RETRAIN_LOOKBACK_HOURS``) for labels that came late: anything
older was offered to the base already, or to an earlier version. Captures are listed
from that hour on; feedback is queried hour by hour up to now.

A ``drift`` run appends the new labelled traffic to the base version: the inputs
moved, the relationship did not. A ``quality`` run trains on the *recent* labelled
traffic alone, the ``lookback_hours`` up to the newest labelled prediction, because
the relationship itself changed and older rows would teach the old one. The earlier
versions stay in the bucket, and the lineage names the version this one replaces.
With fewer than ``MIN_RECENT_ROWS`` recent rows a quality run appends like drift.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from lambdas.shared import capture, datasets, endpoint_state, feedback, registry, s3uri
from lambdas.shared.capture import CapturedRecord, Skipped
from lambdas.shared.contracts import layout, lineage, steps
from lambdas.shared.endpoint_state import CHAMPION
from lambdas.shared.settings import ModelSpec

QUALITY = "quality"
APPEND, RECENT = "append", "recent_traffic"
MIN_RECENT_ROWS = 100
# Why a base version was chosen (the result's ``base``).
CHAMPION_BASE, VALIDATED_BASE = "champion", "latest_validated"


@dataclass
class JoinStats:
    """Why readable captured records did not become rows (unreadable ones are skipped apart)."""

    already_included: int = 0
    unlabelled: int = 0
    incomplete: int = 0


@dataclass(frozen=True)
class LabelledRow:
    inference_id: str
    features: Mapping[str, Any]
    actual: Any


def join_feedback(
    records: Iterable[CapturedRecord],
    feedback: Mapping[str, Any],
    *,
    features: list[str],
    exclude: set[str],
    stats: JoinStats,
) -> list[LabelledRow]:
    """Captured records that have feedback, in capture order, each inference id once."""
    rows: list[LabelledRow] = []
    seen: set[str] = set()
    for record in records:
        if record.inference_id in seen:
            continue
        seen.add(record.inference_id)
        if record.inference_id in exclude:
            stats.already_included += 1
        elif record.inference_id not in feedback:
            stats.unlabelled += 1
        elif not isinstance(record.features, dict) or any(
            f not in record.features for f in features
        ):
            stats.incomplete += 1
        else:
            rows.append(
                LabelledRow(record.inference_id, record.features, feedback[record.inference_id])
            )
    return rows


def append_rows(base: bytes, header: list[str], target: str, rows: list[LabelledRow]) -> bytes:
    """The base CSV, byte for byte, followed by the rows in the header's column order."""
    newline = "\r\n" if b"\r\n" in base[:4096] else "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    for row in rows:
        writer.writerow(
            [
                _cell(row.actual if column == target else row.features.get(column))
                for column in header
            ]
        )
    separator = b"" if not base or base.endswith(b"\n") else newline.encode()
    return base + separator + out.getvalue().encode("utf-8")


def retraining_base(
    s3: Any, sagemaker: Any, *, data_bucket: str, endpoint_name: str, dataset: str
) -> tuple[str, str]:
    """The version to build on, and why: the champion's, else the newest that passed."""
    state = endpoint_state.describe(sagemaker, endpoint_name)
    arn = state.champion.model_package_arn if state else None
    if arn:
        trained_dataset, version_id = registry.trained_on(sagemaker, arn)
        if trained_dataset == dataset and version_id:
            return datasets.resolve_version(s3, data_bucket, dataset, version_id), CHAMPION_BASE
    return datasets.latest_validated(s3, data_bucket, dataset), VALIDATED_BASE


def prepare_retraining_data(
    s3: Any,
    sagemaker: Any,
    dynamodb: Any,
    *,
    data_bucket: str,
    capture_bucket: str,
    inference_table: str,
    endpoint_name: str,
    spec: ModelSpec,
    dataset: str,
    run_id: str,
    trigger: str = "drift",
    lookback_hours: int = 24,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Put the new dataset version (or keep the base when nothing new is labelled)."""
    if not isinstance(run_id, str) or not run_id:
        raise ValueError(f"run_id {run_id!r} is not a run id")
    datasets.check_name(dataset)
    key = layout.dataset_key(dataset)
    base_version_id, base_reason = retraining_base(
        s3, sagemaker, data_bucket=data_bucket, endpoint_name=endpoint_name, dataset=dataset
    )
    base_object = s3.get_object(Bucket=data_bucket, Key=key, VersionId=base_version_id)
    base = base_object["Body"].read()
    header, base_rows = _shape(base)
    included = _included_ids(s3, data_bucket, dataset, base_version_id)

    stats, skipped = JoinStats(), Skipped()
    bound = base_object["LastModified"] - timedelta(hours=lookback_hours)
    records = list(
        capture.read_captures(s3, capture_bucket, endpoint_name, CHAMPION, skipped, start=bound)
    )
    quality = trigger == QUALITY
    wanted = {r.inference_id for r in records} - (set() if quality else included)
    labels = (
        feedback.read_feedback(
            dynamodb, inference_table, skipped, start=bound, end=now(), wanted=wanted
        )
        if wanted
        else {}
    )
    mode, since, rows = APPEND, None, []
    if quality:
        # Recent rows count even when an earlier version already held them.
        labelled = join_feedback(
            records, labels, features=spec.feature_names, exclude=set(), stats=JoinStats()
        )
        recent, since = recent_rows(labelled, {r.inference_id: r for r in records}, lookback_hours)
        if len(recent) >= MIN_RECENT_ROWS:
            mode, rows, base_rows, included = RECENT, recent, 0, set()
    if mode == APPEND:
        rows = join_feedback(
            records, labels, features=spec.feature_names, exclude=included, stats=stats
        )
    body = append_rows(base if mode == APPEND else _header_line(base), header, spec.target, rows)

    version_id = base_version_id
    if rows:
        version_id = s3.put_object(
            Bucket=data_bucket,
            Key=key,
            Body=body,
            ContentType="text/csv",
            Metadata=dict(
                zip(lineage.OBJECT_METADATA, ("retraining", base_version_id, run_id), strict=True)
            ),
        )["VersionId"]
    result = steps.PREPARE_RETRAINING_DATA.answer(
        version_id=version_id,
        base_version_id=base_version_id,
        base=base_reason,
        rows=base_rows + len(rows),
        captured_rows=len(rows),
        mode=mode,
        since=since if mode == RECENT else None,
        sources=[
            {
                "kind": "dataset",
                "uri": s3uri.build(data_bucket, key),
                "version_id": base_version_id,
            },
            _captures_source(capture_bucket, endpoint_name, inference_table, bound, len(rows)),
        ],
        skipped=asdict(stats),
        records_skipped=skipped.count,
    )
    if rows:
        ids = [*sorted(included), *(row.inference_id for row in rows)]
        _write_lineage(s3, data_bucket, dataset, run_id, result, ids)
    return result


def recent_rows(
    rows: list[LabelledRow], records: Mapping[str, CapturedRecord], lookback_hours: int
) -> tuple[list[LabelledRow], str | None]:
    """The rows predicted within ``lookback_hours`` of the newest one, and that start time."""
    times = {r.inference_id: capture.inference_time(records[r.inference_id]) for r in rows}
    known = [t for t in times.values() if t is not None]
    if not known:
        return [], None
    since = max(known) - timedelta(hours=lookback_hours)
    recent = [
        r for r in rows if times[r.inference_id] is not None and times[r.inference_id] > since
    ]
    return recent, since.isoformat()


def _header_line(base: bytes) -> bytes:
    """Only the first line of a CSV: a recent-traffic version keeps the schema, not the rows."""
    first, newline, _ = base.partition(b"\n")
    return first + newline


def _captures_source(
    bucket: str, endpoint_name: str, table: str, since: datetime, rows: int
) -> dict[str, Any]:
    """Where the rows came from: the champion's captures since ``since``, their labels."""
    return {
        "kind": "captures",
        "uri": s3uri.build(bucket, capture.variant_prefix(endpoint_name, CHAMPION)),
        "since": since.isoformat(),
        "feedback_table": table,
        "rows": rows,
    }


def _write_lineage(
    s3: Any, bucket: str, dataset: str, run_id: str, result: dict[str, Any], ids: list[str]
) -> None:
    """The new version's sources plus every inference id it holds, so none is added twice."""
    document = {
        lineage.DATASET: dataset,
        lineage.RUN_ID: run_id,
        **result,
        lineage.INFERENCE_IDS: ids,
    }
    s3.put_object(
        Bucket=bucket,
        Key=layout.lineage_key(dataset, result[lineage.VERSION_ID]),
        Body=json.dumps(document, indent=2).encode("utf-8"),
        ContentType="application/json",
    )


def _shape(base: bytes) -> tuple[list[str], int]:
    """The header and the number of data rows of a CSV."""
    reader = csv.reader(io.StringIO(base.decode("utf-8-sig", errors="replace")))
    header = [name.strip() for name in next(reader, [])]
    if not header:
        raise datasets.DatasetNotFound("the base dataset version is empty: no header row")
    return header, sum(1 for record in reader if record)


def _included_ids(s3: Any, bucket: str, dataset: str, version_id: str) -> set[str]:
    """Inference ids already in this version, from its lineage (none for a pushed version)."""
    try:
        body = s3.get_object(Bucket=bucket, Key=layout.lineage_key(dataset, version_id))["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return set()
        raise
    return set(json.loads(body.read()).get(lineage.INFERENCE_IDS) or [])


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
