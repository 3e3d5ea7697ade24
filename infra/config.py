"""The one typed configuration, built once from CDK context.

Infra reads it directly; Lambdas get it as environment variables that infra sets
(the model spec as an S3 file they read); training and evaluation jobs get the model
spec as a file input; the local cloud reads it from
``cdk.json`` the same way the CDK app does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, replace
from pathlib import Path
from typing import Any

from infra.instance_storage import UnknownInstanceType, has_instance_storage

# The one model-spec class (and its tables); config validates cdk.json and builds it.
from lambdas.shared.contracts.model_spec import (
    FAIRNESS_FIELDS,
    FEATURE_TYPES,
    METRICS,
    TASKS,
    Fairness,
    Feature,
    ModelSpec,
)

ROOT = Path(__file__).resolve().parent.parent
CONTEXT_KEY = "shadowloop"
ENVIRONMENT_KEY = "shadowloop:environment"
STAGE_KEY = "shadowloop:stage"

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_PROJECT = re.compile(r"^[a-z][a-z0-9-]{1,23}$")
_STAGE = re.compile(r"^[a-z0-9]{1,6}$")
_SCHEDULE = re.compile(r"^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$")


class ConfigError(ValueError):
    """The configuration is invalid; the message names the field."""


@dataclass(frozen=True)
class QualityGate:
    threshold: float
    """Absolute limit on the primary metric: a ceiling when it is minimized, else a floor."""
    max_regression: float
    """Largest allowed relative worsening against the champion (0.02 = 2 %)."""


@dataclass(frozen=True)
class Compute:
    training_instance_type: str
    training_instance_count: int
    processing_instance_type: str
    endpoint_instance_type: str
    endpoint_instance_count: int
    serverless: bool
    max_runtime_seconds: int
    poll_seconds: int
    lambda_dataset_max_bytes: int = 100 * 1024 * 1024
    """A snapshot larger than this is validated and summarised by a processing job.

    ValidateData got through about 230 MB of CSV before its 300 s timeout (issue 11), so
    100 MB leaves it a wide margin.
    """

    @property
    def endpoint_instance_storage(self) -> bool:
        """The endpoint's instances have local storage, so SageMaker takes no volume key."""
        return has_instance_storage(self.endpoint_instance_type)


@dataclass(frozen=True)
class Serving:
    shadow_sampling_percent: int
    capture_sampling_percent: int
    max_batch: int
    auth: str
    throttle_rate: int
    throttle_burst: int
    initial_champion_package: str | None = None
    initial_shadow_package: str | None = None
    api_gateway_cloudwatch_role: bool = False
    """Set the account's API Gateway CloudWatch role (shared by every API in the region)."""
    audit_retention_days: int = 365
    """How long every prediction's record (input, output, model) is kept for audit."""


@dataclass(frozen=True)
class Promotion:
    margin: float
    min_labelled: int
    schedule: str
    alpha: float = 0.05
    """The chance of any wrong promotion or retirement over a challenger's shadow life."""
    label_horizon_hours: int = 24
    """An hour of predictions is counted for good this long after it; later labels are not."""


@dataclass(frozen=True)
class Drift:
    schedule: str
    min_rows: int
    cooldown_minutes: int
    max_window_hours: int
    """The longest window of captures one check reads; a gap is caught up in such steps."""
    drift_share: float
    psi_warn: float
    psi_alert: float
    jensen_shannon: float
    wasserstein: float
    linf: float


@dataclass(frozen=True)
class Quality:
    """The live quality monitor: the champion's labelled traffic against its holdout metric."""

    schedule: str
    label_delay_minutes: int
    """Only predictions at least this old are judged, so their feedback has had time to come."""
    min_labels: int
    """Below this many labelled predictions a window is ``insufficient_evidence``."""
    alpha: float
    """The chance of any false alarm over a champion's whole life (spent across looks)."""
    tolerance: float
    """Alarm once the live error is surely this much (0.1 = 10 %) above the holdout's."""
    cooldown_minutes: int
    max_window_hours: int
    """The longest window of predictions one check judges; a gap is caught up in such steps."""
    retrain_lookback_hours: int
    """A quality run trains on the labelled traffic of this many hours before the newest;
    every retraining run reads traffic from this many hours before its base version on."""


@dataclass(frozen=True)
class Config:
    project: str
    environment: str
    model: ModelSpec
    gate: QualityGate
    approval: str
    compute: Compute
    serving: Serving
    promotion: Promotion
    drift: Drift
    quality: Quality
    retrain_schedule: str
    log_retention_days: int
    retain_data: bool = True
    """Keep data (buckets, table, registry, their key) when the stacks are destroyed."""
    stage: str | None = None
    """A suffix that makes a second, separate copy of an environment (e.g. a smoke test)."""

    @property
    def approval_status(self) -> str:
        """The Model Registry status a package gets when it passes the gate."""
        return "Approved" if self.approval == "auto" else "PendingManualApproval"

    @property
    def prefix(self) -> str:
        base = f"{self.project}-{self.environment}"
        return f"{base}-{self.stage}" if self.stage else base


def load_config(
    context: Mapping[str, Any], environment: str | None = None, stage: str | None = None
) -> Config:
    """Build the config from the ``shadowloop`` context block, an environment and a stage."""
    if not isinstance(context, Mapping):
        raise ConfigError(f"{CONTEXT_KEY}: expected an object in cdk.json context")
    environments = context.get("environments") or {}
    env = environment or "dev"
    if env not in environments:
        known = ", ".join(sorted(environments)) or "none"
        raise ConfigError(f"{ENVIRONMENT_KEY}: unknown environment {env!r} (known: {known})")
    if stage is not None and not _STAGE.match(str(stage)):
        raise ConfigError(f"{STAGE_KEY}: {stage!r} must be 1-6 lowercase letters or digits")
    merged = _merge({k: v for k, v in context.items() if k != "environments"}, environments[env])
    return replace(_build(merged, env), stage=stage or None)


def load_from_cdk_json(
    path: Path | None = None, environment: str | None = None, stage: str | None = None
) -> Config:
    """Read the config exactly as ``cdk synth`` does, from ``cdk.json`` context."""
    document = json.loads((path or ROOT / "cdk.json").read_text())
    context = document.get("context", {})
    return load_config(
        context.get(CONTEXT_KEY, {}), environment or context.get(ENVIRONMENT_KEY), stage
    )


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _build(raw: Mapping[str, Any], environment: str) -> Config:
    project = _get(raw, "project", str)
    if not _PROJECT.match(project):
        raise ConfigError(f"project: {project!r} must be 2-24 lowercase letters, digits or '-'")
    approval = _get(raw, "approval", str)
    if approval not in ("auto", "manual"):
        raise ConfigError(f"approval: {approval!r} is not one of auto, manual")
    model = _model(_section(raw, "model"))
    gate = QualityGate(
        threshold=float(_get(raw["gate"], "threshold", (int, float), "gate.")),
        max_regression=_fraction(raw["gate"], "max_regression", "gate."),
    )
    compute = _compute(_section(raw, "compute"))
    serving = _serving(_section(raw, "serving"))
    promotion = _promotion(_section(raw, "promotion"))
    drift = _drift(_section(raw, "drift"))
    quality = _quality(_section(raw, "quality"))
    for label, schedule in (
        ("promotion.schedule", promotion.schedule),
        ("drift.schedule", drift.schedule),
        ("quality.schedule", quality.schedule),
        ("retrain_schedule", _get(raw, "retrain_schedule", str)),
    ):
        if not _SCHEDULE.match(schedule):
            raise ConfigError(f"{label}: {schedule!r} is not an EventBridge rate(...) or cron(...)")
    return Config(
        project=project,
        environment=environment,
        model=model,
        gate=gate,
        approval=approval,
        compute=compute,
        serving=serving,
        promotion=promotion,
        drift=drift,
        quality=quality,
        retrain_schedule=raw["retrain_schedule"],
        log_retention_days=int(_get(raw, "log_retention_days", int)),
        retain_data=_flag(raw, "retain_data", default=True),
    )


def _compute(raw: Mapping[str, Any]) -> Compute:
    compute = Compute(**_fields(raw, Compute, "compute."))
    for name in ("training_instance_type", "processing_instance_type", "endpoint_instance_type"):
        try:
            has_instance_storage(getattr(compute, name))
        except UnknownInstanceType as exc:
            raise ConfigError(f"compute.{name}: {exc}") from None
    if compute.lambda_dataset_max_bytes < 1:
        raise ConfigError("compute.lambda_dataset_max_bytes: must be at least 1")
    return compute


def _serving(raw: Mapping[str, Any]) -> Serving:
    serving = Serving(**_fields(raw, Serving, "serving."))
    if serving.auth not in ("iam", "api_key"):
        raise ConfigError(f"serving.auth: {serving.auth!r} is not one of iam, api_key")
    for name in ("shadow_sampling_percent", "capture_sampling_percent"):
        if not 0 < getattr(serving, name) <= 100:
            raise ConfigError(f"serving.{name}: must be between 1 and 100")
    if serving.max_batch < 1:
        raise ConfigError("serving.max_batch: must be at least 1")
    if serving.audit_retention_days < 1:
        raise ConfigError("serving.audit_retention_days: must be at least 1")
    return serving


def _promotion(raw: Mapping[str, Any]) -> Promotion:
    promotion = Promotion(**_fields(raw, Promotion, "promotion."))
    if not 0 < promotion.alpha < 1:
        raise ConfigError(f"promotion.alpha: {promotion.alpha} must be in (0, 1)")
    if promotion.label_horizon_hours < 1:
        raise ConfigError("promotion.label_horizon_hours: must be at least 1")
    return promotion


def _drift(raw: Mapping[str, Any]) -> Drift:
    drift = Drift(**_fields(raw, Drift, "drift."))
    if drift.max_window_hours < 1:
        raise ConfigError("drift.max_window_hours: must be at least 1")
    if not 0 < drift.drift_share <= 1:
        raise ConfigError("drift.drift_share: must be in (0, 1]")
    return drift


def _quality(raw: Mapping[str, Any]) -> Quality:
    quality = Quality(**_fields(raw, Quality, "quality."))
    if not 0 < quality.alpha < 1:
        raise ConfigError(f"quality.alpha: {quality.alpha} must be in (0, 1)")
    if quality.tolerance < 0:
        raise ConfigError(f"quality.tolerance: {quality.tolerance} must not be negative")
    # Fewer labels leave the normal bound too loose to trust (bench/quality_bench.py).
    if quality.min_labels < 10:
        raise ConfigError(f"quality.min_labels: {quality.min_labels} must be at least 10")
    for name in ("label_delay_minutes", "cooldown_minutes"):
        if getattr(quality, name) < 0:
            raise ConfigError(f"quality.{name}: must not be negative")
    if quality.max_window_hours < 1:
        raise ConfigError("quality.max_window_hours: must be at least 1")
    if quality.retrain_lookback_hours < 1:
        raise ConfigError("quality.retrain_lookback_hours: must be at least 1")
    return quality


def _model(raw: Mapping[str, Any]) -> ModelSpec:
    p = "model."
    task = _get(raw, "task", str, p)
    if task not in TASKS:
        raise ConfigError(f"model.task: {task!r} is not one of {', '.join(TASKS)}")
    metric = _get(raw, "metric", str, p)
    if metric not in METRICS[task]:
        allowed = ", ".join(METRICS[task])
        raise ConfigError(f"model.metric: {metric!r} does not fit task {task!r} (use {allowed})")
    target = raw.get("target")
    if not isinstance(target, str) or not target:
        raise ConfigError("model.target: missing; name the column the model predicts")
    features_raw = raw.get("features")
    if not isinstance(features_raw, list) or not features_raw:
        raise ConfigError("model.features: missing; list at least one {name, type}")
    features = []
    for i, item in enumerate(features_raw):
        where = f"model.features[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where}: expected an object with name and type")
        name = item.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(f"{where}.name: {name!r} is not a valid column name")
        ftype = item.get("type")
        if ftype not in FEATURE_TYPES:
            raise ConfigError(
                f"{where}.type: unknown feature type {ftype!r} (expected numeric or categorical)"
            )
        features.append(Feature(name=name, type=ftype, critical=bool(item.get("critical", False))))
    names = [f.name for f in features]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ConfigError(f"model.features: duplicated feature {', '.join(duplicated)}")
    if target in names:
        raise ConfigError(f"model.target: {target!r} is also listed as a feature")
    segment = raw.get("segment")
    if segment is not None and segment not in names:
        raise ConfigError(f"model.segment: {segment!r} is not one of the features")
    hyperparameters = raw.get("hyperparameters") or {}
    if not isinstance(hyperparameters, Mapping):
        raise ConfigError("model.hyperparameters: expected an object")
    return ModelSpec(
        dataset=_get(raw, "dataset", str, p),
        target=target,
        task=task,
        metric=metric,
        features=tuple(features),
        segment=segment,
        hyperparameters=dict(hyperparameters),
        fairness=_fairness(raw.get("fairness"), task, target, names),
    )


def _fairness(raw: Any, task: str, target: str, features: list[str]) -> Fairness | None:
    """The optional ``model.fairness`` section; absent or null means fairness is off."""
    p = "model.fairness."
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError("model.fairness: expected an object")
    unknown = sorted(set(raw) - set(FAIRNESS_FIELDS))
    if unknown:
        raise ConfigError(f"{p}{unknown[0]}: unknown setting")
    group = raw.get("group")
    if not isinstance(group, str) or not _NAME.match(group):
        raise ConfigError(f"{p}group: {group!r} is not a valid column name")
    if group == target:
        raise ConfigError(f"{p}group: {group!r} is the target")
    is_feature = raw.get("group_is_feature", False)
    if not isinstance(is_feature, bool):
        raise ConfigError(f"{p}group_is_feature: {is_feature!r} must be true or false")
    if is_feature and group not in features:
        raise ConfigError(f"{p}group: {group!r} is not one of the features (group_is_feature)")
    if not is_feature and group in features:
        raise ConfigError(
            f"{p}group: {group!r} is a feature; remove it or set group_is_feature to true"
        )
    favourable = raw.get("favourable_label")
    if task == "classification" and (favourable is None or favourable == ""):
        raise ConfigError(f"{p}favourable_label: missing; name the label that is the good outcome")
    if task != "classification" and favourable is not None:
        raise ConfigError(f"{p}favourable_label: only classification has a favourable label")
    if favourable is not None and not isinstance(favourable, str | int | float | bool):
        raise ConfigError(f"{p}favourable_label: {favourable!r} must be a string or a number")
    fairness = Fairness(group=group, group_is_feature=is_feature, favourable_label=favourable)
    limits = {}
    for name in ("min_disparate_impact", "max_tpr_gap", "max_metric_gap", "max_gap_widening"):
        if name in raw:
            limits[name] = _bounded(raw, name, p, 0.0, 1.0)
    if "max_error_ratio" in raw:
        limits["max_error_ratio"] = _bounded(raw, "max_error_ratio", p, 1.0, math.inf)
    if "min_group_size" in raw:
        size = raw["min_group_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ConfigError(f"{p}min_group_size: {size!r} must be a whole number of at least 1")
        limits["min_group_size"] = size
    return replace(fairness, **limits)


def _bounded(raw: Mapping[str, Any], key: str, prefix: str, low: float, high: float) -> float:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        shown = "any larger number" if math.isinf(high) else str(high)
        raise ConfigError(f"{prefix}{key}: {value!r} must be a number from {low} to {shown}")
    return float(value)


def _section(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: missing section")
    return value


def _get(raw: Mapping[str, Any], key: str, kind: Any, prefix: str = "") -> Any:
    if key not in raw:
        raise ConfigError(f"{prefix}{key}: missing")
    value = raw[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{prefix}{key}: {value!r} has the wrong type")
    return value


def _flag(raw: Mapping[str, Any], key: str, *, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: {value!r} must be true or false")
    return value


def _fraction(raw: Mapping[str, Any], key: str, prefix: str) -> float:
    value = float(_get(raw, key, (int, float), prefix))
    if not 0 <= value < 1:
        raise ConfigError(f"{prefix}{key}: {value} must be a fraction in [0, 1)")
    return value


def _fields(raw: Mapping[str, Any], cls: type, prefix: str) -> dict[str, Any]:
    """Check a flat section against a dataclass: no unknown keys, no missing ones, right types."""
    hints = {f.name: f for f in cls.__dataclass_fields__.values()}  # type: ignore[attr-defined]
    unknown = sorted(set(raw) - set(hints))
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]}: unknown setting")
    out: dict[str, Any] = {}
    for name, f in hints.items():
        if name not in raw:
            if f.default is not MISSING:
                continue
            raise ConfigError(f"{prefix}{name}: missing")
        value = raw[name]
        expected = str(f.type)
        if value is None and "None" in expected:
            out[name] = None
        elif expected.startswith("bool"):
            if not isinstance(value, bool):
                raise ConfigError(f"{prefix}{name}: {value!r} must be true or false")
            out[name] = value
        elif expected.startswith("int"):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"{prefix}{name}: {value!r} must be a whole number")
            out[name] = value
        elif expected.startswith("float"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ConfigError(f"{prefix}{name}: {value!r} must be a number")
            out[name] = float(value)
        else:
            if not isinstance(value, str):
                raise ConfigError(f"{prefix}{name}: {value!r} must be a string")
            out[name] = value
    return out
