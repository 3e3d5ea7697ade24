"""Pipeline stack: the step functions and the train → evaluate → register state machine."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from constructs import Construct

from infra.config import Config
from infra.constructs.function import Function, retention
from infra.constructs.nag import FUNCTION_VERSIONS, GRANT_WILDCARDS, suppress_wildcards
from infra.constructs.sagemaker_access import (
    allow_describe_serving,
    allow_list_packages,
    allow_register,
)
from infra.constructs.sagemaker_jobs import JobSettings
from infra.constructs.sklearn_image import sklearn_image_uri
from infra.constructs.training_pipeline import PipelineFunctions, TrainingPipeline
from infra.stacks.data import DataStack
from infra.stacks.serving import ServingStack

HEAVY_TIMEOUT = Duration.minutes(5)
HEAVY_MEMORY = 1024


class PipelineStack(Stack):
    """One function per pipeline step, wired into the ``{prefix}-pipeline`` state machine."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        data: DataStack,
        serving: ServingStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        spec = data.model_spec.environment
        group = data.model_package_group_name
        image_uri = sklearn_image_uri(self)

        validate = self._function(
            config,
            "validate_data",
            "Pins a dataset version, checks it against the model spec and snapshots it",
            {**spec, "DATA_BUCKET": data.data_bucket.bucket_name},
            heavy=True,
            needs_numpy=True,
        )
        data.data_bucket.grant_read(validate.role)
        data.data_bucket.grant_put(validate.role, "snapshots/*")
        data.data_bucket.grant_put(validate.role, "reports/*")

        resolve = self._function(
            config,
            "resolve_champion",
            "Finds the serving champion's model package and copies its model for evaluation",
            {
                "MODEL_PACKAGE_GROUP": group,
                "ENDPOINT_NAME": serving.endpoint_name,
                "ARTIFACT_BUCKET": data.artifact_bucket.bucket_name,
            },
        )
        allow_list_packages(resolve.role, group=group)
        suppress_wildcards(
            resolve.role,
            "sagemaker:ListModelPackages supports no resource scope.",
            r"^Resource::\*$",
        )
        allow_describe_serving(resolve.role, prefix=config.prefix, group=group)
        data.artifact_bucket.grant_read(resolve.role)
        data.artifact_bucket.grant_put(resolve.role, "runs/*")

        gate = self._function(
            config,
            "evaluation_gate",
            "Applies the quality gate to the candidate's evaluation against the champion",
            {
                **spec,
                "ARTIFACT_BUCKET": data.artifact_bucket.bucket_name,
                "GATE_THRESHOLD": str(config.gate.threshold),
                "GATE_MAX_REGRESSION": str(config.gate.max_regression),
            },
        )
        data.artifact_bucket.grant_read(gate.role)

        baseline = self._function(
            config,
            "compute_baseline",
            "Summarises the training snapshot per feature: the baseline for drift checks",
            {**spec, "ARTIFACT_BUCKET": data.artifact_bucket.bucket_name},
            heavy=True,
            needs_numpy=True,
        )
        data.data_bucket.grant_read(baseline.role)
        data.artifact_bucket.grant_write(baseline.role)

        register = self._function(
            config,
            "register_model",
            "Registers the candidate in the Model Registry with its metrics and lineage",
            {
                **spec,
                "MODEL_PACKAGE_GROUP": group,
                "APPROVAL_STATUS": config.approval_status,
                "INFERENCE_IMAGE_URI": image_uri,
                "CODE_VERSION": data.training_code.version,
                "DATA_BUCKET": data.data_bucket.bucket_name,
                "ENDPOINT_INSTANCE_TYPE": config.compute.endpoint_instance_type,
            },
        )
        allow_register(register.role, group=group)

        prepare = self._function(
            config,
            "prepare_retraining_data",
            "Writes a new dataset version from labelled captured traffic",
            {
                **spec,
                "DATA_BUCKET": data.data_bucket.bucket_name,
                "CAPTURE_BUCKET": data.capture_bucket.bucket_name,
                "ENDPOINT_NAME": serving.endpoint_name,
                "INFERENCE_TABLE": serving.table.table_name,
                "RETRAIN_LOOKBACK_HOURS": str(config.quality.retrain_lookback_hours),
            },
            heavy=True,
        )
        data.data_bucket.grant_read(prepare.role)
        data.data_bucket.grant_put(prepare.role, "datasets/*")
        data.capture_bucket.grant_read(prepare.role)
        serving.table.grant_read_data(prepare.role)
        # The champion's package names the dataset version a retraining builds on.
        allow_describe_serving(prepare.role, prefix=config.prefix, group=group)

        for step in (validate, gate, baseline, register, prepare):
            data.model_spec.grant_read(step.role)

        self.pipeline = TrainingPipeline(
            self,
            "TrainingPipeline",
            config=config,
            functions=PipelineFunctions(
                prepare_retraining_data=prepare.function,
                validate_data=validate.function,
                resolve_champion=resolve.function,
                evaluation_gate=gate.function,
                compute_baseline=baseline.function,
                register_model=register.function,
                deploy=serving.deploy.function,
            ),
            jobs=JobSettings(
                image_uri=image_uri,
                code_uri=data.training_code.uri,
                model_spec_uri=data.model_spec.uri,
                role=data.sagemaker_role,
                artifact_bucket_name=data.artifact_bucket.bucket_name,
                kms_key_arn=data.key.key_arn,
            ),
            topic=data.topic,
            endpoint_name=serving.endpoint_name,
            log_retention=retention(config.log_retention_days),
        )
        self.state_machine = self.pipeline.state_machine
        suppress_wildcards(
            self.pipeline,
            "The state machine may invoke any version of its step functions, describe and create "
            "SageMaker jobs named after generated run ids, and write its own logs and traces.",
            FUNCTION_VERSIONS,
            r"^Resource::arn:.*:sagemaker:.*:(training|processing)-job/\*$",
            r"^Resource::\*$",
        )
        CfnOutput(self, "StateMachineArn", value=self.state_machine.state_machine_arn)

    def _function(
        self,
        config: Config,
        name: str,
        description: str,
        environment: dict[str, str],
        heavy: bool = False,
        needs_numpy: bool = False,
    ) -> Function:
        """A pipeline step; the ``heavy`` ones read whole datasets."""
        function = Function(
            self,
            name.replace("_", " ").title().replace(" ", ""),
            config=config,
            name=name,
            description=description,
            environment=environment,
            memory_size=HEAVY_MEMORY if heavy else 256,
            timeout=HEAVY_TIMEOUT if heavy else Duration.minutes(1),
            needs_numpy=needs_numpy,
        )
        suppress_wildcards(
            function.role,
            "Grants on the project's buckets, table and key; objects under the step's prefixes; "
            "registry calls on the project's model package group.",
            *GRANT_WILDCARDS,
            r"^Resource::arn:.*:sagemaker:.*:(endpoint|endpoint-config|model)/"
            + config.prefix
            + r"-\*$",
            r"^Resource::arn:.*:sagemaker:.*:model-package/.*/\*$",
        )
        return function
