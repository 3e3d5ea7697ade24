"""The Model Registry as shadowloop reads it: packages and the lineage stored on them.

A package's lineage lives in its ``CustomerMetadataProperties`` (string values only);
:func:`as_property` writes a value there and :func:`describe_lineage` reads it back.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.shared.contracts import layout
from lambdas.shared.contracts import lineage as lineage_keys

# The lineage every registered package carries, in this order.
LINEAGE_PROPERTIES = lineage_keys.PACKAGE_PROPERTIES
# The lineage property naming the dataset version a package was trained on.
VERSION_ID_PROPERTY = lineage_keys.VERSION_ID
NUMERIC_PROPERTIES = ("metric_value", "champion_metric_value")
# Who decided a package's approval, when and why: written by ``shadowloop approve``.
APPROVAL_PROPERTIES = ("approved_by", "approved_at", "approval_reason")
# Metadata values must be strings; an absent value is written as this word.
ABSENT = "none"
# SageMaker's limit on one CustomerMetadataProperties value.
MAX_PROPERTY_LENGTH = 256
CALIBRATION_FILE = layout.CALIBRATION_FILE


class ModelPackageNotFound(Exception):
    """No model package has that ARN."""


def as_property(value: Any) -> str:
    """A lineage value as a metadata string (``repr`` keeps floats exact)."""
    if value is None:
        return ABSENT
    if isinstance(value, float):
        return repr(value)
    return str(value)


def calibration_uri(evaluation_uri: str) -> str:
    """Where a classifier's ``calibration.json`` lies: beside its ``evaluation.json``."""
    prefix, _, _ = evaluation_uri.rpartition("/")
    return f"{prefix}/{CALIBRATION_FILE}"


def fairness_property(verdict: dict[str, Any] | None) -> str | None:
    """The gate's fairness verdict as one metadata value, ``key=value`` pairs by spaces
    (SageMaker allows no quotes or braces there): the decision, the group column, each
    across-group figure and how many groups were too small to judge. The per-group
    figures are in the bias report."""
    if not verdict:
        return None
    figures = verdict.get("figures") or {}
    pairs = {
        "decision": verdict.get("decision"),
        "group": verdict.get("group"),
        **{k: None if v is None else round(float(v), 4) for k, v in figures.items()},
        "insufficient_evidence": len(verdict.get("insufficient_evidence") or []),
    }
    return " ".join(f"{k}={as_property(v)}" for k, v in pairs.items())


def fairness_of(raw: str | None) -> dict[str, Any] | None:
    """The ``fairness`` metadata value read back, numbers as numbers; None when it is off."""
    if not raw or raw == ABSENT:
        return None
    out: dict[str, Any] = {}
    for pair in raw.split(" "):
        key, _, value = pair.partition("=")
        if key in ("decision", "group"):
            out[key] = value
        elif key == "insufficient_evidence":
            out[key] = int(value) if value.isdigit() else None
        elif key:
            out[key] = from_property("metric_value", value)
    return out


def describe_lineage(sagemaker: Any, arn: str) -> dict[str, Any]:
    """A package's identity, artifact and lineage; numbers as floats, "none" as None."""
    package = _describe(sagemaker, arn)
    properties = package.get("CustomerMetadataProperties") or {}
    containers = (package.get("InferenceSpecification") or {}).get("Containers") or [{}]
    lineage = {name: from_property(name, properties.get(name)) for name in LINEAGE_PROPERTIES}
    lineage["fairness"] = fairness_of(properties.get("fairness"))
    approval = {name: properties.get(name) for name in APPROVAL_PROPERTIES}
    return {
        "arn": package["ModelPackageArn"],
        "group": package.get("ModelPackageGroupName"),
        "version": package.get("ModelPackageVersion"),
        "approval_status": package.get("ModelApprovalStatus"),
        "approval_description": package.get("ApprovalDescription"),
        "created": _iso(package.get("CreationTime")),
        "description": package.get("ModelPackageDescription"),
        "model_data_url": containers[0].get("ModelDataUrl"),
        "image": containers[0].get("Image"),
        **lineage,
        **approval,
    }


def list_packages(sagemaker: Any, group: str, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The group's packages, newest first, each with its headline lineage."""
    packages: list[dict[str, Any]] = []
    for summary in package_summaries(sagemaker, group):
        if limit is not None and len(packages) >= limit:
            break
        lineage = describe_lineage(sagemaker, summary["ModelPackageArn"])
        packages.append(
            {
                "arn": lineage["arn"],
                "version": lineage["version"],
                "status": lineage["approval_status"],
                "created": lineage["created"],
                "metric": lineage["metric"],
                "metric_value": lineage["metric_value"],
                "dataset": lineage["dataset"],
                "version_id": lineage[VERSION_ID_PROPERTY],
                "trigger": lineage["trigger"],
                "fairness": lineage["fairness"],
                **{name: lineage[name] for name in APPROVAL_PROPERTIES},
            }
        )
    return packages


def newest_approved(sagemaker: Any, group: str) -> str | None:
    """The ARN of the group's most recently created Approved package, if any."""
    response = sagemaker.list_model_packages(
        ModelPackageGroupName=group,
        ModelApprovalStatus="Approved",
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=1,
    )
    summaries = response.get("ModelPackageSummaryList") or []
    return summaries[0]["ModelPackageArn"] if summaries else None


def trained_on(sagemaker: Any, arn: str) -> tuple[str | None, str | None]:
    """The dataset and dataset version a package was trained on (None where not recorded)."""
    properties = _describe(sagemaker, arn).get("CustomerMetadataProperties") or {}
    dataset = from_property("dataset", properties.get("dataset"))
    return dataset, from_property(VERSION_ID_PROPERTY, properties.get(VERSION_ID_PROPERTY))


def model_data_url(sagemaker: Any, arn: str) -> str | None:
    """Where the package's model artifact (``model.tar.gz``) lives."""
    containers = (_describe(sagemaker, arn).get("InferenceSpecification") or {}).get("Containers")
    return (containers or [{}])[0].get("ModelDataUrl")


def package_summaries(sagemaker: Any, group: str) -> Any:
    """Every package summary of ``group``, newest first, page by page."""
    paginator = sagemaker.get_paginator("list_model_packages")
    for page in paginator.paginate(
        ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending"
    ):
        yield from page.get("ModelPackageSummaryList") or []


def _describe(sagemaker: Any, arn: str) -> dict[str, Any]:
    try:
        return sagemaker.describe_model_package(ModelPackageName=arn)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationException" and "not found" in error.get("Message", ""):
            raise ModelPackageNotFound(f"no model package {arn}") from None
        raise


def from_property(name: str, raw: str | None) -> Any:
    """A metadata value read back: None when absent, a number for the numeric properties."""
    if raw is None or raw == ABSENT:
        return None
    if name in NUMERIC_PROPERTIES:
        try:
            value = float(raw)
        except ValueError:
            return None
        return value if math.isfinite(value) else None
    return raw


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value
