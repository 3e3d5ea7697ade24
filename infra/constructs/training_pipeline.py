"""The train → evaluate → gate → register → deploy state machine (see docs/architecture.md).

Execution input: ``{"dataset": str, "version_id": str | null, "trigger": str}``; every
caller passes ``version_id`` (null means the latest version). The execution name is the
run id and must be at most 49 characters (``MAX_RUN_ID``), so that
``{run_id}-evaluate-{redrive count}`` stays within SageMaker's 63-character job names.

SageMaker jobs are started, then described before any wait, so a job that is already
finished costs no wait; the ``.sync`` integrations are avoided on purpose. A job that
ends Stopped (e.g. past MaxRuntimeInSeconds) has no FailureReason, so it gets its own
branch. Deploy is asynchronous too: the run waits until the endpoint is InService on
the config Deploy asked for, and an update that fell back to the old config fails it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.config import Config
from infra.constructs.sagemaker_jobs import (
    EVALUATION_SUFFIX,
    RUN_ID,
    TRAINING_SUFFIX,
    JobSettings,
    evaluation_job,
    job_name,
    training_job,
)

RETRYABLE_ERRORS = [
    "Lambda.TooManyRequestsException",
    "Lambda.ServiceException",
    "Lambda.SdkClientException",
    "SageMaker.ThrottlingException",
]
# What the deploy function raises while the endpoint is Creating or Updating.
ENDPOINT_BUSY = "EndpointBusy"
# Runs started by a check train on a new version built from labelled traffic.
RETRAINING_TRIGGERS = ("drift", "quality")
# SageMaker changes take 5-15 minutes; retries at 1, 2, 4, 8 and 16 poll intervals cover it.
BUSY_RETRIES = 5


@dataclass(frozen=True)
class PipelineFunctions:
    """The Lambda functions the pipeline calls, one per step."""

    prepare_retraining_data: lambda_.IFunction
    validate_data: lambda_.IFunction
    resolve_champion: lambda_.IFunction
    evaluation_gate: lambda_.IFunction
    compute_baseline: lambda_.IFunction
    register_model: lambda_.IFunction
    deploy: lambda_.IFunction


class TrainingPipeline(Construct):
    """The pipeline state machine; ``state_machine`` is the resource."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        functions: PipelineFunctions,
        jobs: JobSettings,
        topic: sns.ITopic,
        endpoint_name: str,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._jobs = jobs
        self._topic = topic
        self._endpoint_name = endpoint_name
        # The run fails with the failing step's own error, so `describe_execution` names it.
        self._fail = sfn.Fail(
            self, "Failed", error_path="$.error.Error", cause_path="$.error.Cause"
        )
        self._notify_failed = self._notification(
            "NotifyFailed",
            "failed",
            reason=sfn.JsonPath.string_at("$.error.Cause"),
            version_id=sfn.JsonPath.string_at("$.version_id"),
        )
        self._notify_failed.next(self._fail)

        definition = self._definition(functions)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{config.prefix}-pipeline",
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=f"{config.prefix}-pipeline",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=Duration.hours(6),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
        )
        if topic.master_key is not None:
            # SNS uses an encrypted topic's key with the publisher's rights; SnsPublish grants
            # only sns:Publish, and these are the two calls SNS makes.
            topic.master_key.grant(self.state_machine, "kms:GenerateDataKey", "kms:Decrypt")

    # --- the flow -------------------------------------------------------------------------

    def _definition(self, f: PipelineFunctions) -> sfn.IChainable:
        evaluation_uri = sfn.JsonPath.format(
            f"s3://{self._jobs.artifact_bucket_name}/runs/{{}}/evaluation/evaluation.json", RUN_ID
        )
        prepare = self._invoke(
            "PrepareRetrainingData",
            f.prepare_retraining_data,
            {
                "run_id": RUN_ID,
                "dataset": sfn.JsonPath.string_at("$.dataset"),
                "trigger": sfn.JsonPath.string_at("$.trigger"),
            },
            ["version_id"],
            "$.retraining",
        )
        use_new_version = sfn.Pass(
            self,
            "UseRetrainingVersion",
            input_path="$.retraining.version_id",
            result_path="$.version_id",
        )
        validate = self._invoke(
            "ValidateData",
            f.validate_data,
            {
                "run_id": RUN_ID,
                "dataset": sfn.JsonPath.string_at("$.dataset"),
                "version_id": sfn.JsonPath.string_at("$.version_id"),
            },
            ["dataset", "version_id", "snapshot_uri", "report_uri", "rows"],
            "$.data",
        )
        resolve = self._invoke(
            "ResolveChampion",
            f.resolve_champion,
            {"run_id": RUN_ID},
            ["model_package_arn", "model_data_url", "uri"],
            "$.champion",
        )
        gate = self._invoke(
            "Gate",
            f.evaluation_gate,
            {"run_id": RUN_ID, "evaluation_uri": evaluation_uri},
            ["decision", "reason", "metric", "candidate", "champion", "fairness"],
            "$.gate",
        )
        baseline = self._invoke(
            "ComputeBaseline",
            f.compute_baseline,
            {"run_id": RUN_ID, "snapshot_uri": sfn.JsonPath.string_at("$.data.snapshot_uri")},
            ["uri"],
            "$.baseline",
        )
        register = self._invoke(
            "Register",
            f.register_model,
            {
                "run_id": RUN_ID,
                "trigger": sfn.JsonPath.string_at("$.trigger"),
                "data": sfn.JsonPath.object_at("$.data"),
                "training": sfn.JsonPath.object_at("$.training"),
                "gate": sfn.JsonPath.object_at("$.gate"),
                "baseline": sfn.JsonPath.object_at("$.baseline"),
                "champion": sfn.JsonPath.object_at("$.champion"),
                "evaluation_uri": evaluation_uri,
            },
            ["arn", "version", "approval_status"],
            "$.model_package",
        )
        deploy = self._invoke(
            "Deploy",
            f.deploy,
            {
                "action": "deploy",
                "model_package_arn": sfn.JsonPath.string_at("$.model_package.arn"),
            },
            None,
            "$.deployment",
        )
        # Busy means another change is in flight: wait it out instead of failing the run.
        deploy.add_retry(
            errors=[ENDPOINT_BUSY],
            interval=self._poll(),
            backoff_rate=2,
            max_attempts=BUSY_RETRIES,
        )
        notify_succeeded = self._notification(
            "NotifySucceeded",
            "succeeded",
            version_id=sfn.JsonPath.string_at("$.data.version_id"),
            model_package_arn=sfn.JsonPath.string_at("$.model_package.arn"),
        )
        notify_rejected = self._notification(
            "NotifyRejected",
            "rejected",
            version_id=sfn.JsonPath.string_at("$.data.version_id"),
            reason=sfn.JsonPath.string_at("$.gate.reason"),
        )
        evaluate_and_decide = gate.next(
            sfn.Choice(self, "Passed?")
            .when(
                sfn.Condition.string_equals("$.gate.decision", "pass"),
                baseline.next(register)
                .next(deploy)
                .next(
                    self._deployment_done(
                        f.deploy, then=notify_succeeded.next(sfn.Succeed(self, "Succeeded"))
                    )
                ),
            )
            .otherwise(notify_rejected.next(sfn.Succeed(self, "Rejected")))
        )
        evaluation = self._job(
            "Evaluation",
            start=self._start_evaluation(),
            describe_action="describeProcessingJob",
            name_field="ProcessingJobName",
            job_suffix=EVALUATION_SUFFIX,
            status_field="ProcessingJobStatus",
            result_path="$.evaluation",
            then=evaluate_and_decide,
        )
        training = self._job(
            "Training",
            start=self._start_training(),
            describe_action="describeTrainingJob",
            name_field="TrainingJobName",
            job_suffix=TRAINING_SUFFIX,
            status_field="TrainingJobStatus",
            result_path="$.training",
            then=evaluation,
            artifacts={
                "ModelArtifacts": {"S3ModelArtifacts.$": "$.ModelArtifacts.S3ModelArtifacts"}
            },
        )
        main = validate.next(resolve).next(training)
        return (
            sfn.Choice(self, "Retraining?")
            .when(
                sfn.Condition.or_(
                    *(sfn.Condition.string_equals("$.trigger", t) for t in RETRAINING_TRIGGERS)
                ),
                prepare.next(use_new_version).next(main),
            )
            .otherwise(main)
        )

    # --- building blocks ------------------------------------------------------------------

    def _protect(self, task: sfn.TaskStateBase) -> sfn.TaskStateBase:
        """Retry throttling and transient service errors; send any other error to NotifyFailed."""
        task.add_retry(
            errors=RETRYABLE_ERRORS, interval=Duration.seconds(2), backoff_rate=2, max_attempts=3
        )
        task.add_catch(self._notify_failed, errors=[sfn.Errors.ALL], result_path="$.error")
        return task

    def _invoke(
        self,
        state_id: str,
        function: lambda_.IFunction,
        payload: dict[str, object],
        selected: list[str] | None,
        result_path: str,
    ) -> sfn.TaskStateBase:
        """A Lambda step keeping ``selected`` fields of its answer (all of it when None)."""
        selector = (
            {f"{key}.$": f"$.Payload.{key}" for key in selected}
            if selected is not None
            else {"response.$": "$.Payload"}
        )
        return self._protect(
            tasks.LambdaInvoke(
                self,
                state_id,
                lambda_function=function,
                payload=sfn.TaskInput.from_object(payload),
                retry_on_service_exceptions=False,
                result_selector=selector,
                result_path=result_path,
            )
        )

    def _sagemaker(
        self, state_id: str, action: str, parameters: dict[str, object], **kwargs: object
    ) -> sfn.TaskStateBase:
        job_type = "processing-job" if "Processing" in action else "training-job"
        return self._protect(
            tasks.CallAwsService(
                self,
                state_id,
                service="sagemaker",
                action=action,
                # Run ids from EventBridge are generated names, so jobs cannot share a name prefix.
                iam_resources=[
                    Stack.of(self).format_arn(
                        service="sagemaker", resource=job_type, resource_name="*"
                    )
                ],
                parameters=parameters,
                **kwargs,  # type: ignore[arg-type]
            )
        )

    def _job(
        self,
        label: str,
        *,
        start: sfn.TaskStateBase,
        describe_action: str,
        name_field: str,
        job_suffix: str,
        status_field: str,
        result_path: str,
        then: sfn.IChainable,
        artifacts: dict[str, object] | None = None,
    ) -> sfn.IChainable:
        """start → describe → done? (Completed → then; Failed/Stopped → failure; else wait)."""
        name = {name_field: job_name(job_suffix)}
        describe = self._sagemaker(
            f"Describe{label}",
            describe_action,
            name,
            result_selector={f"{status_field}.$": f"$.{status_field}"},
            result_path=result_path,
        )
        completed: sfn.IChainable = then
        if artifacts:
            fetch = self._sagemaker(
                f"Fetch{label}Artifacts",
                describe_action,
                name,
                result_selector={f"{status_field}.$": f"$.{status_field}", **artifacts},
                result_path=result_path,
            )
            completed = fetch.next(then)
        failure_reason = self._sagemaker(
            f"DescribeFailed{label}",
            describe_action,
            name,
            result_selector={"FailureReason.$": "$.FailureReason"},
            result_path=f"{result_path}_failure",
        )
        failed = sfn.Pass(
            self,
            f"{label}Failed",
            parameters={
                "Error": f"{label}Failed",
                "Cause.$": f"{result_path}_failure.FailureReason",
            },
            result_path="$.error",
        )
        # A Stopped job has no FailureReason: selecting it would be an uncatchable error.
        stopped = sfn.Pass(
            self,
            f"{label}Stopped",
            parameters={
                "Error": f"{label}Stopped",
                "Cause": sfn.JsonPath.format(
                    f"{label.lower()} job {{}}-{job_suffix} was Stopped before it completed "
                    f"(MaxRuntimeInSeconds is {self._config.compute.max_runtime_seconds} s)",
                    RUN_ID,
                ),
            },
            result_path="$.error",
        )
        wait = sfn.Wait(self, f"WaitFor{label}", time=sfn.WaitTime.duration(self._poll()))
        done = (
            sfn.Choice(self, f"{label}Done?")
            .when(
                sfn.Condition.string_equals(f"{result_path}.{status_field}", "Completed"), completed
            )
            .when(
                sfn.Condition.string_equals(f"{result_path}.{status_field}", "Failed"),
                failure_reason.next(failed).next(self._notify_failed),
            )
            .when(
                sfn.Condition.string_equals(f"{result_path}.{status_field}", "Stopped"),
                stopped.next(self._notify_failed),
            )
            .otherwise(wait.next(describe))
        )
        return start.next(describe).next(done)

    def _deployment_done(
        self, deploy: lambda_.IFunction, *, then: sfn.IChainable
    ) -> sfn.IChainable:
        """describe → InService on the new config? (yes → then; fell back or Failed → failure)."""
        wanted = "$.deployment.response.endpoint_config_name"
        describe = self._describe_endpoint(
            "DescribeDeployment",
            result_selector={
                "EndpointStatus.$": "$.EndpointStatus",
                "EndpointConfigName.$": "$.EndpointConfigName",
            },
            result_path="$.endpoint",
        )
        # The deploy function's describe always answers failure_reason (null when none),
        # where selecting an absent FailureReason here would be an uncatchable error.
        reasons = self._invoke(
            "DescribeFailedDeployment",
            deploy,
            {"action": "describe"},
            ["failure_reason"],
            "$.endpoint_failure",
        )
        failed = sfn.Pass(
            self,
            "DeploymentFailed",
            parameters={
                "Error": "DeploymentFailed",
                "Cause": sfn.JsonPath.format(
                    "endpoint {} did not take config {}: {}",
                    self._endpoint_name,
                    sfn.JsonPath.string_at(wanted),
                    sfn.JsonPath.string_at("$.endpoint_failure.failure_reason"),
                ),
            },
            result_path="$.error",
        )
        superseded = sfn.Pass(
            self,
            "DeploymentSuperseded",
            parameters={
                "Error": "DeploymentFailed",
                "Cause": sfn.JsonPath.format(
                    "endpoint {} is {} on config {}, not on config {}",
                    self._endpoint_name,
                    sfn.JsonPath.string_at("$.endpoint.EndpointStatus"),
                    sfn.JsonPath.string_at("$.endpoint.EndpointConfigName"),
                    sfn.JsonPath.string_at(wanted),
                ),
            },
            result_path="$.error",
        )
        failure = reasons.next(
            sfn.Choice(self, "FailureReason?")
            .when(
                sfn.Condition.is_not_null("$.endpoint_failure.failure_reason"),
                failed.next(self._notify_failed),
            )
            .otherwise(superseded.next(self._notify_failed))
        )
        status = "$.endpoint.EndpointStatus"
        wait = sfn.Wait(self, "WaitForDeployment", time=sfn.WaitTime.duration(self._poll()))
        return describe.next(
            sfn.Choice(self, "DeploymentDone?")
            .when(
                sfn.Condition.and_(
                    sfn.Condition.string_equals(status, "InService"),
                    sfn.Condition.string_equals_json_path("$.endpoint.EndpointConfigName", wanted),
                ),
                then,
            )
            .when(
                sfn.Condition.or_(
                    sfn.Condition.string_equals(status, "InService"),
                    sfn.Condition.string_equals(status, "Failed"),
                    sfn.Condition.string_equals(status, "UpdateRollbackFailed"),
                    sfn.Condition.string_equals(status, "OutOfService"),
                ),
                failure,
            )
            .otherwise(wait.next(describe))
        )

    def _describe_endpoint(self, state_id: str, **kwargs: object) -> sfn.TaskStateBase:
        return self._protect(
            tasks.CallAwsService(
                self,
                state_id,
                service="sagemaker",
                action="describeEndpoint",
                iam_resources=[
                    Stack.of(self).format_arn(
                        service="sagemaker", resource="endpoint", resource_name=self._endpoint_name
                    )
                ],
                parameters={"EndpointName": self._endpoint_name},
                **kwargs,  # type: ignore[arg-type]
            )
        )

    def _poll(self) -> Duration:
        return Duration.seconds(self._config.compute.poll_seconds)

    def _start_training(self) -> sfn.TaskStateBase:
        return self._sagemaker(
            "StartTraining",
            "createTrainingJob",
            training_job(self._config, self._jobs),
            additional_iam_statements=[self._pass_role()],
            result_selector={"TrainingJobArn.$": "$.TrainingJobArn"},
            result_path="$.training_job",
        )

    def _start_evaluation(self) -> sfn.TaskStateBase:
        return self._sagemaker(
            "StartEvaluation",
            "createProcessingJob",
            evaluation_job(self._config, self._jobs),
            additional_iam_statements=[self._pass_role()],
            result_selector={"ProcessingJobArn.$": "$.ProcessingJobArn"},
            result_path="$.evaluation_job",
        )

    def _pass_role(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=[self._jobs.role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )

    def _notification(self, state_id: str, status: str, **fields: str) -> sfn.TaskStateBase:
        message = {
            "status": status,
            "run_id": RUN_ID,
            "dataset": sfn.JsonPath.string_at("$.dataset"),
            "trigger": sfn.JsonPath.string_at("$.trigger"),
            **fields,
        }
        publish = tasks.SnsPublish(
            self,
            state_id,
            topic=self._topic,
            subject=f"{self._config.prefix} pipeline run {status}",
            message=sfn.TaskInput.from_object(message),
            result_path=sfn.JsonPath.DISCARD,
        )
        if status == "failed":
            # The failure path's own errors end the run instead of looping back into it.
            publish.add_retry(
                errors=RETRYABLE_ERRORS,
                interval=Duration.seconds(2),
                backoff_rate=2,
                max_attempts=3,
            )
            publish.add_catch(self._fail, errors=[sfn.Errors.ALL], result_path="$.notify_error")
            return publish
        return self._protect(publish)
