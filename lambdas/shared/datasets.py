"""Datasets in the data bucket: their keys, versions, snapshots and rows.

A dataset version is an S3 VersionId of ``datasets/{dataset}/data.csv``; a snapshot
is the immutable copy of one version that a run trains on. Their keys are in
:mod:`lambdas.shared.contracts.layout`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.shared import csvtext
from lambdas.shared.contracts.layout import dataset_key, report_key, snapshot_key

_DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# head_object answers 400 for a malformed VersionId and 404 for an unknown key or version.
_NOT_FOUND = {"404", "400", "NoSuchKey", "NoSuchVersion", "NotFound", "InvalidArgument"}


class DatasetNotFound(Exception):
    """The dataset, or the requested version of it, does not exist."""


def check_name(dataset: Any) -> str:
    """The dataset name, if it can name a key prefix safely."""
    if not isinstance(dataset, str) or not _DATASET_NAME.match(dataset):
        raise DatasetNotFound(
            f"dataset name {dataset!r} is not valid (use letters, digits, '.', '_' or '-')"
        )
    return dataset


def resolve_version(s3: Any, bucket: str, dataset: str, version_id: str | None) -> str:
    """The VersionId to use: the one asked for, checked to exist, or the latest."""
    if version_id is not None and not isinstance(version_id, str):
        raise DatasetNotFound(f"dataset {dataset!r}: version_id {version_id!r} is not a string")
    key = dataset_key(dataset)
    extra = {"VersionId": version_id} if version_id else {}
    try:
        head = s3.head_object(Bucket=bucket, Key=key, **extra)
    except ClientError as exc:
        if _error_code(exc) not in _NOT_FOUND:
            raise
        if version_id:
            raise DatasetNotFound(
                f"dataset {dataset!r} has no version {version_id!r} (s3://{bucket}/{key})"
            ) from None
        raise DatasetNotFound(f"dataset {dataset!r} not found: no s3://{bucket}/{key}") from None
    # An unversioned bucket reports no VersionId; S3 calls that version "null".
    return head.get("VersionId") or "null"


def latest_validated(s3: Any, bucket: str, dataset: str) -> str:
    """The newest version whose validation report says it passed; DatasetNotFound if none."""
    key = dataset_key(dataset)
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        # S3 lists a key's versions newest first.
        for version in page.get("Versions") or []:
            if version["Key"] == key and _passed(s3, bucket, dataset, version["VersionId"]):
                return version["VersionId"]
    raise DatasetNotFound(
        f"dataset {dataset!r} has no version that passed validation "
        f"(no passing report under s3://{bucket}/reports/validation/{dataset}/)"
    )


def _passed(s3: Any, bucket: str, dataset: str, version_id: str) -> bool:
    try:
        body = s3.get_object(Bucket=bucket, Key=report_key(dataset, version_id))["Body"].read()
    except ClientError as exc:
        if _error_code(exc) in _NOT_FOUND:
            return False
        raise
    try:
        return json.loads(body).get("passed") is True
    except (ValueError, AttributeError):
        return False


def pin_snapshot(s3: Any, bucket: str, dataset: str, version_id: str) -> str:
    """Copy exactly that version to its snapshot key, unless the snapshot exists already."""
    key = snapshot_key(dataset, version_id)
    if exists(s3, bucket, key):
        return key
    s3.copy({"Bucket": bucket, "Key": dataset_key(dataset), "VersionId": version_id}, bucket, key)
    return key


def exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _error_code(exc) in _NOT_FOUND:
            return False
        raise
    return True


def read_rows(s3: Any, bucket: str, key: str, version_id: str | None = None) -> Iterator[list[str]]:
    """The CSV records of one object, streamed; raises csvtext.UnreadableCsv naming a row."""
    extra = {"VersionId": version_id} if version_id else {}
    body = s3.get_object(Bucket=bucket, Key=key, **extra)["Body"]
    try:
        yield from csvtext.records(body)
    finally:
        body.close()


def size(s3: Any, bucket: str, key: str) -> int:
    """The object's length in bytes."""
    return int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])


def read_bytes(s3: Any, bucket: str, key: str) -> bytes:
    """The whole of one object, for checks that look at whole columns at once."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        return body.read()
    finally:
        body.close()


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
