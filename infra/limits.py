"""Synth-time checks of the request fields that the config decides, against AWS's limits.

A name built from the prefix, an instance type or a hyperparameter that AWS would refuse
fails ``cdk synth`` with one line naming the config field, not a pipeline run hours later.
The limits come from botocore's service models; the few the models lack are named here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import botocore.session
import regex

from infra.config import Config, ConfigError
from lambdas.deploy.requests import endpoint_config_name, model_name

# Lambda function names: the model's FunctionName also admits ARNs, so its limit is longer.
LAMBDA_NAME_CHARS = 64
FUNCTIONS = (
    "api",
    "compute_baseline",
    "deploy",
    "drift_check",
    "evaluation_gate",
    "prepare_retraining_data",
    "promotion_check",
    "register_model",
    "resolve_champion",
    "validate_data",
    "endpoint_provider",
)
# Hyperparameters the pipeline adds for the SageMaker toolkit.
TOOLKIT_HYPERPARAMETERS = 3
_LATEST = datetime(2099, 12, 31, 23, 59, 59, 999999)


def check_limits(config: Config) -> None:
    """Raise ``ConfigError`` for the first config field that would break an AWS limit."""
    for error in _errors(config):
        raise ConfigError(error)


def _errors(config: Config) -> Iterator[str]:
    prefix = config.prefix
    fix = "shorten project or the environment name"
    names = [
        ("sagemaker", "EndpointName", "endpoint name", f"{prefix}-endpoint"),
        (
            "sagemaker",
            "EndpointConfigName",
            "endpoint config name",
            endpoint_config_name(prefix, _LATEST),
        ),
        ("sagemaker", "ModelName", "model name", model_name(prefix, 99999, "0" * 8)),
        ("sagemaker", "EntityName", "model package group name", f"{prefix}-models"),
        ("stepfunctions", "Name", "state machine name", f"{prefix}-pipeline"),
        ("events", "RuleName", "rule name", f"{prefix}-promotion-check"),
    ]
    for service, shape, what, name in names:
        problem = misfit(service, shape, name)
        if problem:
            yield f"prefix: {prefix!r} makes the {what} {name!r} {problem}; {fix}"
    for function in FUNCTIONS:
        name = f"{prefix}-{function.replace('_', '-')}"
        if len(name) > LAMBDA_NAME_CHARS:
            yield (
                f"prefix: {prefix!r} makes the function name {name!r} {len(name)} characters; "
                f"Lambda allows {LAMBDA_NAME_CHARS}; {fix}"
            )
    compute = config.compute
    for field, shape, value in (
        ("training_instance_type", "TrainingInstanceType", compute.training_instance_type),
        ("processing_instance_type", "ProcessingInstanceType", compute.processing_instance_type),
        ("endpoint_instance_type", "ProductionVariantInstanceType", compute.endpoint_instance_type),
        ("max_runtime_seconds", "MaxRuntimeInSeconds", compute.max_runtime_seconds),
        ("training_instance_count", "TrainingInstanceCount", compute.training_instance_count),
    ):
        problem = misfit("sagemaker", shape, value)
        if problem:
            yield f"compute.{field}: {value!r} {problem}"
    hyperparameters = config.model.hyperparameters
    allowed = _shape("sagemaker", "HyperParameters").metadata["max"] - TOOLKIT_HYPERPARAMETERS
    if len(hyperparameters) > allowed:
        yield f"model.hyperparameters: {len(hyperparameters)} entries; SageMaker allows {allowed}"
    for key, value in hyperparameters.items():
        problem = misfit("sagemaker", "HyperParameterKey", key) or misfit(
            "sagemaker", "HyperParameterValue", str(value)
        )
        if problem:
            yield f"model.hyperparameters.{key}: {problem}"
    problem = misfit("sagemaker", "CustomerMetadataValue", config.model.dataset)
    if problem:
        yield f"model.dataset: {config.model.dataset!r} {problem} (it is recorded in model lineage)"


def misfit(service: str, shape_name: str, value: Any) -> str | None:
    """Why ``value`` does not fit the shape, in a few words; None when it fits."""
    shape = _shape(service, shape_name)
    meta = shape.metadata
    if isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            return f"is {len(value)} characters; the limit is {meta['max']}"
        if "min" in meta and len(value) < meta["min"]:
            return f"is shorter than {meta['min']} characters"
        if shape.enum and value not in shape.enum:
            return "is not one AWS offers"
        if "pattern" in meta and regex.fullmatch(meta["pattern"], value) is None:
            return f"does not match {meta['pattern']}"
        return None
    if "max" in meta and value > meta["max"]:
        return f"is more than {meta['max']}"
    if "min" in meta and value < meta["min"]:
        return f"is less than {meta['min']}"
    return None


@functools.cache
def _shape(service: str, name: str) -> Any:
    return botocore.session.get_session().get_service_model(service).shape_for(name)
