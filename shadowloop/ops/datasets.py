"""Dataset versions: each push of a CSV is a new S3 version of one key."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lambdas.shared import csvtext
from shadowloop.ops.target import Target

MAX_BYTES = 5 * 1024**3  # one S3 PUT


@dataclass(frozen=True)
class DatasetVersion:
    dataset: str
    version_id: str
    size: int
    last_modified: datetime
    source: str
    latest: bool


def key(dataset: str) -> str:
    return f"datasets/{dataset}/data.csv"


def check_csv(body: bytes, name: str) -> list[str]:
    """The header of a CSV file; a clear error if it is not one."""
    if not body.strip():
        raise ValueError(f"{name} is empty")
    try:
        csvtext.check_utf8(body)
    except csvtext.UnreadableCsv as exc:
        raise ValueError(f"{name} is not UTF-8 text: {exc}") from None
    first_line = body.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    header = next(csv.reader(io.StringIO(first_line)), [])
    if len(header) < 2 or any(not column.strip() for column in header):
        raise ValueError(f"{name} has no CSV header row (got {header[:5]!r})")
    return header


def push(target: Target, path: Path, dataset: str, *, source: str = "cli") -> str:
    """Upload ``path`` as a new version of ``dataset``; returns the S3 VersionId."""
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"{path} is larger than 5 GiB; split it or use multipart upload")
    body = path.read_bytes()
    return push_bytes(target, body, dataset, name=str(path), source=source)


def push_bytes(target: Target, body: bytes, dataset: str, *, name: str, source: str) -> str:
    check_csv(body, name)
    response = target.client("s3").put_object(
        Bucket=target.output("DataBucketName"),
        Key=key(dataset),
        Body=body,
        ContentType="text/csv",
        Metadata={"source": source, "sha256": hashlib.sha256(body).hexdigest()},
    )
    return response["VersionId"]


def versions(target: Target, dataset: str) -> list[DatasetVersion]:
    """Every version of a dataset, newest first."""
    s3 = target.client("s3")
    bucket = target.output("DataBucketName")
    out = []
    for page in s3.get_paginator("list_object_versions").paginate(
        Bucket=bucket, Prefix=key(dataset)
    ):
        for item in page.get("Versions", []):
            if item["Key"] != key(dataset):
                continue
            head = s3.head_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
            out.append(
                DatasetVersion(
                    dataset=dataset,
                    version_id=item["VersionId"],
                    size=item["Size"],
                    last_modified=item["LastModified"],
                    source=head.get("Metadata", {}).get("source", "unknown"),
                    latest=item["IsLatest"],
                )
            )
    return sorted(out, key=lambda v: v.last_modified, reverse=True)
