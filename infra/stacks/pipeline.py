"""Pipeline stack: the step functions and the train → evaluate → register state machine."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import Config
from infra.constructs.function import retention
from infra.constructs.functions.compute_baseline import ComputeBaseline
from infra.constructs.functions.evaluation_gate import EvaluationGate
from infra.constructs.functions.pin_dataset import PinDataset
from infra.constructs.functions.prepare_retraining_data import PrepareRetrainingData
from infra.constructs.functions.register_model import RegisterModel
from infra.constructs.functions.resolve_champion import ResolveChampion
from infra.constructs.functions.validate_data import ValidateData
from infra.constructs.nag import ANY_RESOURCE, FUNCTION_VERSIONS, suppress_wildcards
from infra.constructs.sagemaker_jobs import JobSettings
from infra.constructs.sklearn_image import sklearn_image_uri
from infra.constructs.training_pipeline import PipelineFunctions, TrainingPipeline
from infra.stacks.data import DataStack
from infra.stacks.serving import ServingStack


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
        image_uri = sklearn_image_uri(self)
        endpoint = serving.endpoint_name
        functions = PipelineFunctions(
            prepare_retraining_data=PrepareRetrainingData(
                self, config=config, data=data, endpoint_name=endpoint, table=serving.table
            ).function,
            pin_dataset=PinDataset(self, config=config, data=data).function,
            validate_data=ValidateData(self, config=config, data=data).function,
            resolve_champion=ResolveChampion(
                self, config=config, data=data, endpoint_name=endpoint
            ).function,
            evaluation_gate=EvaluationGate(self, config=config, data=data).function,
            compute_baseline=ComputeBaseline(self, config=config, data=data).function,
            register_model=RegisterModel(
                self, config=config, data=data, image_uri=image_uri
            ).function,
            deploy=serving.deploy.function,
        )
        self.pipeline = TrainingPipeline(
            self,
            "TrainingPipeline",
            config=config,
            functions=functions,
            jobs=JobSettings(
                image_uri=image_uri,
                code_uri=data.training_code.uri,
                model_spec_uri=data.model_spec.uri,
                processing_code_uri=data.processing_code.uri,
                data_bucket_name=data.data_bucket.bucket_name,
                role=data.sagemaker_role,
                artifact_bucket_name=data.artifact_bucket.bucket_name,
                kms_key_arn=data.key.key_arn,
            ),
            topic=data.topic,
            endpoint_name=endpoint,
            log_retention=retention(config.log_retention_days),
        )
        self.state_machine = self.pipeline.state_machine
        suppress_wildcards(
            self.pipeline,
            "The state machine may invoke any version of its step functions, describe and create "
            "SageMaker jobs named after generated run ids, and write its own logs and traces.",
            FUNCTION_VERSIONS,
            r"^Resource::arn:.*:sagemaker:.*:(training|processing)-job/\*$",
            ANY_RESOURCE,
        )
        CfnOutput(self, "StateMachineArn", value=self.state_machine.state_machine_arn)
