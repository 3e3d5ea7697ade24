"""The train → evaluate → gate → register → deploy state machine (see docs/architecture.md).

The execution input is ``lambdas.shared.contracts.run_input``; each Lambda step's payload
and kept result are ``lambdas.shared.contracts.steps``. The execution name is the
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
from infra.constructs import transient_errors
from infra.constructs.sagemaker_jobs import (
    EVALUATION_SUFFIX,
    RUN_ID,
    TRAINING_SUFFIX,
    VALIDATION_SUFFIX,
    JobSettings,
    evaluation_job,
    job_name,
    training_job,
    validation_job,
)
from lambdas.shared.contracts import layout, run_input, steps
from lambdas.shared.contracts import validation_job as vj

# What the deploy function raises while the endpoint is Creating or Updating.
ENDPOINT_BUSY = "EndpointBusy"
RETRAINING_TRIGGERS = run_input.RETRAINING_TRIGGERS
# SageMaker changes take 5-15 minutes; retries at 1, 2, 4, 8 and 16 poll intervals cover it.
BUSY_RETRIES = 5
# Each job's describe action, name parameter and name suffix, by its label.
JOB_REQUESTS = {
    steps.TRAINING.label: ("describeTrainingJob", "TrainingJobName", TRAINING_SUFFIX),
    steps.EVALUATION.label: ("describeProcessingJob", "ProcessingJobName", EVALUATION_SUFFIX),
    steps.VALIDATION.label: ("describeProcessingJob", "ProcessingJobName", VALIDATION_SUFFIX),
}


@dataclass(frozen=True)
class PipelineFunctions:
    """The Lambda functions the pipeline calls, one per step."""

    prepare_retraining_data: lambda_.IFunction
    pin_dataset: lambda_.IFunction
    validate_data: lambda_.IFunction
    resolve_champion: lambda_.IFunction
    evaluation_gate: lambda_.IFunction
    compute_baseline: lambda_.IFunction
    register_model: lambda_.IFunction
    deploy: lambda_.IFunction


@dataclass
class _JobStates:
    """A SageMaker job's states; ``then`` wires what follows a Completed job."""

    chain: sfn.IChainable
    done: sfn.Choice
    fetch: sfn.TaskStateBase | None
    status: str

    def then(self, following: sfn.IChainable) -> None:
        completed = following if self.fetch is None else self.fetch.next(following)
        self.done.when(sfn.Condition.string_equals(self.status, "Completed"), completed)


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
            then=self._fail,
            version_id=sfn.JsonPath.string_at(steps.RUN_VERSION_ID),
        )

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

    # --- the flow, in the order it runs ----------------------------------------------------

    def _definition(self, f: PipelineFunctions) -> sfn.IChainable:
        """Retraining? → pin → validate → champion → train → evaluate → gate → release/reject."""
        pin = self._invoke(steps.PIN_DATASET, f.pin_dataset)
        begin = self._retraining(f, then=pin)
        champion = self._invoke(steps.RESOLVE_CHAMPION, f.resolve_champion)
        pin.next(self._validation(f, then=champion))
        training = self._job(steps.TRAINING, start=self._start_training())
        champion.next(training.chain)
        evaluation = self._job(steps.EVALUATION, start=self._start_evaluation())
        training.then(evaluation.chain)
        gate = self._invoke(steps.GATE, f.evaluation_gate)
        evaluation.then(gate)
        gate.next(
            sfn.Choice(self, "Passed?")
            .when(
                sfn.Condition.string_equals(steps.GATE.path("decision"), "pass"), self._release(f)
            )
            .otherwise(self._rejected())
        )
        return begin

    def _validation(self, f: PipelineFunctions, *, then: sfn.IChainable) -> sfn.IChainable:
        """Small snapshot → the ValidateData Lambda; large → the validation processing job."""
        validate = self._invoke(steps.VALIDATE_DATA, f.validate_data)
        validate.next(then)
        job = self._job(steps.VALIDATION, start=self._start_validation())
        job.then(self._validation_outcome(then=then))
        return (
            sfn.Choice(self, "LargeDataset?")
            .when(
                sfn.Condition.number_greater_than(
                    steps.PIN_DATASET.path("size_bytes"),
                    self._config.compute.lambda_dataset_max_bytes,
                ),
                job.chain,
            )
            .otherwise(validate)
        )

    def _validation_outcome(self, *, then: sfn.IChainable) -> sfn.IChainable:
        """The job's ExitMessage → DatasetInvalid, or ValidateData's and ComputeBaseline's state.

        The job completes on an invalid dataset too (so its report is uploaded); the run then
        fails with the error and message the ValidateData Lambda raises.
        """
        job = steps.VALIDATION
        describe_action, name = self._job_request(job)
        outcome = f"{job.result_path}.outcome"
        fetch = self._sagemaker(
            f"Fetch{job.label}Outcome",
            describe_action,
            name,
            result_selector={
                **job.status_selector(),
                "outcome.$": "States.StringToJson($.ExitMessage)",
            },
            result_path=job.result_path,
        )
        invalid = sfn.Pass(
            self,
            "DatasetInvalid",
            parameters={"Error": vj.DATASET_INVALID, "Cause.$": f"{outcome}.cause"},
            result_path="$.error",
        )
        pinned = steps.PIN_DATASET
        data = sfn.Pass(
            self,
            "UseValidationJob",
            parameters={
                **{
                    f"{key}.$": pinned.path(key)
                    for key in steps.VALIDATE_DATA.kept or ()
                    if key != "rows"
                },
                "rows.$": f"{outcome}.rows",
            },
            result_path=steps.VALIDATE_DATA.result_path,
        )
        baseline = sfn.Pass(
            self,
            "UseJobBaseline",
            parameters={
                "uri": sfn.JsonPath.format(
                    f"s3://{self._jobs.artifact_bucket_name}/{layout.baseline_key('{}')}", RUN_ID
                )
            },
            result_path=steps.COMPUTE_BASELINE.result_path,
        )
        return fetch.next(
            sfn.Choice(self, "DatasetValid?")
            .when(sfn.Condition.is_present(f"{outcome}.error"), invalid.next(self._notify_failed))
            .otherwise(data.next(baseline).next(then))
        )

    def _retraining(self, f: PipelineFunctions, *, then: sfn.IChainable) -> sfn.IChainable:
        """A drift or quality run first builds a new dataset version from labelled traffic."""
        prepare = self._invoke(steps.PREPARE_RETRAINING_DATA, f.prepare_retraining_data)
        use_new_version = sfn.Pass(
            self,
            "UseRetrainingVersion",
            input_path=steps.PREPARE_RETRAINING_DATA.path(run_input.VERSION_ID),
            result_path=steps.RUN_VERSION_ID,
        )
        trigger = run_input.path(run_input.TRIGGER)
        return (
            sfn.Choice(self, "Retraining?")
            .when(
                sfn.Condition.or_(
                    *(sfn.Condition.string_equals(trigger, t) for t in RETRAINING_TRIGGERS)
                ),
                prepare.next(use_new_version).next(then),
            )
            .otherwise(then)
        )

    def _release(self, f: PipelineFunctions) -> sfn.IChainable:
        """baseline → register → deploy → wait for the endpoint → notify success."""
        deploy = self._invoke(steps.DEPLOY, f.deploy)
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
            then=sfn.Succeed(self, "Succeeded"),
            version_id=sfn.JsonPath.string_at(steps.VALIDATE_DATA.path("version_id")),
            model_package_arn=sfn.JsonPath.string_at(steps.REGISTER.path("arn")),
        )
        register = self._invoke(steps.REGISTER, f.register_model)
        register.next(deploy).next(self._deployment_done(f.deploy, then=notify_succeeded))
        # The validation job has already written a large snapshot's baseline.
        return (
            sfn.Choice(self, "BaselineComputed?")
            .when(sfn.Condition.is_present(steps.COMPUTE_BASELINE.result_path), register)
            .otherwise(self._invoke(steps.COMPUTE_BASELINE, f.compute_baseline).next(register))
        )

    def _rejected(self) -> sfn.IChainable:
        return self._notification(
            "NotifyRejected",
            "rejected",
            then=sfn.Succeed(self, "Rejected"),
            version_id=sfn.JsonPath.string_at(steps.VALIDATE_DATA.path("version_id")),
            reason=sfn.JsonPath.string_at(steps.GATE.path("reason")),
        )

    # --- building blocks ------------------------------------------------------------------

    def _protect(self, task: sfn.TaskStateBase, transient: tuple[str, ...]) -> sfn.TaskStateBase:
        """Retry the service's ``transient`` errors; send any other error to NotifyFailed."""
        transient_errors.retry(task, transient)
        task.add_catch(self._notify_failed, errors=[sfn.Errors.ALL], result_path="$.error")
        return task

    def _payload(self, step: steps.Step) -> dict[str, object]:
        """The step's payload with its JSONPaths and the run's evaluation URI filled in."""
        evaluation_uri = sfn.JsonPath.format(
            f"s3://{self._jobs.artifact_bucket_name}/{layout.evaluation_key('{}')}", RUN_ID
        )
        payload: dict[str, object] = {}
        for key, source in step.payload.items():
            if source == steps.EVALUATION_URI:
                payload[key] = evaluation_uri
            elif source.startswith("$"):
                payload[key] = sfn.JsonPath.string_at(source)
            else:
                payload[key] = source
        return payload

    def _invoke(self, step: steps.Step, function: lambda_.IFunction) -> sfn.TaskStateBase:
        """A Lambda step keeping the fields ``step`` names (all of its answer when None)."""
        selector = (
            {f"{key}.$": f"$.Payload.{key}" for key in step.kept}
            if step.kept is not None
            else {"response.$": "$.Payload"}
        )
        return self._protect(
            tasks.LambdaInvoke(
                self,
                step.state,
                lambda_function=function,
                payload=sfn.TaskInput.from_object(self._payload(step)),
                retry_on_service_exceptions=False,
                result_selector=selector,
                result_path=step.result_path,
            ),
            transient_errors.LAMBDA,
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
            ),
            transient_errors.SAGEMAKER,
        )

    def _job(self, job: steps.Job, *, start: sfn.TaskStateBase) -> _JobStates:
        """start → describe → done? (Failed/Stopped → failure; running → wait; Completed later)."""
        describe_action, name = self._job_request(job)
        describe = self._sagemaker(
            f"Describe{job.label}",
            describe_action,
            name,
            result_selector=job.status_selector(),
            result_path=job.result_path,
        )
        fetch = None
        if job.artifacts:
            artifacts = {
                f"{field}": {f"{inner}.$": f"$.{field}.{inner}"}
                for field, inner in job.artifacts.items()
            }
            fetch = self._sagemaker(
                f"Fetch{job.label}Artifacts",
                describe_action,
                name,
                result_selector={**job.status_selector(), **artifacts},
                result_path=job.result_path,
            )
        status = f"{job.result_path}.{job.status_field}"
        wait = sfn.Wait(self, f"WaitFor{job.label}", time=sfn.WaitTime.duration(self._poll()))
        done = (
            sfn.Choice(self, f"{job.label}Done?")
            .when(
                sfn.Condition.string_equals(status, "Failed"),
                self._job_failed(job, describe_action, name),
            )
            .when(sfn.Condition.string_equals(status, "Stopped"), self._job_stopped(job))
            .otherwise(wait.next(describe))
        )
        return _JobStates(
            chain=start.next(describe).next(done), done=done, fetch=fetch, status=status
        )

    def _job_request(self, job: steps.Job) -> tuple[str, dict[str, object]]:
        """The describe action and the job-name parameter of a job's describe calls."""
        action, parameter, suffix = JOB_REQUESTS[job.label]
        return action, {parameter: job_name(suffix)}

    def _job_failed(
        self, job: steps.Job, describe_action: str, name: dict[str, object]
    ) -> sfn.IChainable:
        failure_reason = self._sagemaker(
            f"DescribeFailed{job.label}",
            describe_action,
            name,
            result_selector={"FailureReason.$": "$.FailureReason"},
            result_path=job.failure_path,
        )
        failed = sfn.Pass(
            self,
            f"{job.label}Failed",
            parameters={
                "Error": f"{job.label}Failed",
                "Cause.$": f"{job.failure_path}.FailureReason",
            },
            result_path="$.error",
        )
        return failure_reason.next(failed).next(self._notify_failed)

    def _job_stopped(self, job: steps.Job) -> sfn.IChainable:
        """A Stopped job has no FailureReason: selecting it would be an uncatchable error."""
        suffix = JOB_REQUESTS[job.label][2]
        stopped = sfn.Pass(
            self,
            f"{job.label}Stopped",
            parameters={
                "Error": f"{job.label}Stopped",
                "Cause": sfn.JsonPath.format(
                    f"{job.label.lower()} job {{}}-{suffix} was Stopped before it completed "
                    f"(MaxRuntimeInSeconds is {self._config.compute.max_runtime_seconds} s)",
                    RUN_ID,
                ),
            },
            result_path="$.error",
        )
        return stopped.next(self._notify_failed)

    def _deployment_done(
        self, deploy: lambda_.IFunction, *, then: sfn.IChainable
    ) -> sfn.IChainable:
        """describe → InService on the new config? (yes → then; fell back or Failed → failure)."""
        endpoint = steps.ENDPOINT_PATH
        describe = self._describe_endpoint(
            "DescribeDeployment",
            result_selector={f"{name}.$": f"$.{name}" for name in steps.ENDPOINT_FIELDS},
            result_path=endpoint,
        )
        status = f"{endpoint}.EndpointStatus"
        wait = sfn.Wait(self, "WaitForDeployment", time=sfn.WaitTime.duration(self._poll()))
        return describe.next(
            sfn.Choice(self, "DeploymentDone?")
            .when(
                sfn.Condition.and_(
                    sfn.Condition.string_equals(status, "InService"),
                    sfn.Condition.string_equals_json_path(
                        f"{endpoint}.EndpointConfigName", steps.DEPLOYED_CONFIG
                    ),
                ),
                then,
            )
            .when(
                sfn.Condition.or_(
                    *(
                        sfn.Condition.string_equals(status, s)
                        for s in ("InService", "Failed", "UpdateRollbackFailed", "OutOfService")
                    )
                ),
                self._deployment_failure(deploy),
            )
            .otherwise(wait.next(describe))
        )

    def _deployment_failure(self, deploy: lambda_.IFunction) -> sfn.IChainable:
        """Fail the run with the endpoint's FailureReason, or say which config it stayed on."""
        step = steps.DESCRIBE_FAILED_DEPLOYMENT
        wanted = sfn.JsonPath.string_at(steps.DEPLOYED_CONFIG)
        endpoint = steps.ENDPOINT_PATH
        # The deploy function's describe always answers failure_reason (null when none),
        # where selecting an absent FailureReason here would be an uncatchable error.
        reasons = self._invoke(step, deploy)
        failed = sfn.Pass(
            self,
            "DeploymentFailed",
            parameters={
                "Error": "DeploymentFailed",
                "Cause": sfn.JsonPath.format(
                    "endpoint {} did not take config {}: {}",
                    self._endpoint_name,
                    wanted,
                    sfn.JsonPath.string_at(step.path("failure_reason")),
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
                    sfn.JsonPath.string_at(f"{endpoint}.EndpointStatus"),
                    sfn.JsonPath.string_at(f"{endpoint}.EndpointConfigName"),
                    wanted,
                ),
            },
            result_path="$.error",
        )
        return reasons.next(
            sfn.Choice(self, "FailureReason?")
            .when(
                sfn.Condition.is_not_null(step.path("failure_reason")),
                failed.next(self._notify_failed),
            )
            .otherwise(superseded.next(self._notify_failed))
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
            ),
            transient_errors.SAGEMAKER,
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

    def _start_validation(self) -> sfn.TaskStateBase:
        return self._sagemaker(
            "StartValidation",
            "createProcessingJob",
            validation_job(self._config, self._jobs),
            additional_iam_statements=[self._pass_role()],
            result_selector={"ProcessingJobArn.$": "$.ProcessingJobArn"},
            result_path=steps.VALIDATION.start_path,
        )

    def _pass_role(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=[self._jobs.role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )

    def _notification(
        self, state_id: str, status: str, *, then: sfn.State, **fields: str
    ) -> sfn.TaskStateBase:
        """Publish the run's outcome, then go to ``then``; an unsent notice changes no outcome.

        SNS's transient errors are retried. A notice still unsent goes on to ``then`` with
        SNS's error at ``$.notification_error``: a deployed model stays deployed and its run
        SUCCEEDED, saying so in its output; a failing run still fails with its own error.
        """
        message = {
            "status": status,
            "run_id": RUN_ID,
            "dataset": sfn.JsonPath.string_at(run_input.path(run_input.DATASET)),
            "trigger": sfn.JsonPath.string_at(run_input.path(run_input.TRIGGER)),
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
        transient_errors.retry(publish, transient_errors.SNS)
        publish.add_catch(then, errors=[sfn.Errors.ALL], result_path=steps.NOTIFICATION_ERROR)
        publish.next(then)
        return publish
