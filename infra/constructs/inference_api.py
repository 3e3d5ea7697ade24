"""The REST API in front of the api function: IAM (or API key) auth, validation, throttling."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.nag import suppress
from lambdas.shared.contracts import gateway

JSON = "application/json"


def predict_schema(max_batch: int) -> apigw.JsonSchema:
    """``{"instances": [{...}, ...]}`` with 1 to ``max_batch`` instances."""
    return apigw.JsonSchema(
        schema=apigw.JsonSchemaVersion.DRAFT4,
        title="PredictRequest",
        type=apigw.JsonSchemaType.OBJECT,
        required=["instances"],
        properties={
            "instances": apigw.JsonSchema(
                type=apigw.JsonSchemaType.ARRAY,
                min_items=1,
                max_items=max_batch,
                items=apigw.JsonSchema(type=apigw.JsonSchemaType.OBJECT),
            )
        },
    )


def feedback_schema() -> apigw.JsonSchema:
    """``{"inference_id": str, "actual": number | str}``: the ground truth for one prediction."""
    return apigw.JsonSchema(
        schema=apigw.JsonSchemaVersion.DRAFT4,
        title="FeedbackRequest",
        type=apigw.JsonSchemaType.OBJECT,
        required=["inference_id", "actual"],
        properties={
            "inference_id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, min_length=1),
            "actual": apigw.JsonSchema(
                type=[apigw.JsonSchemaType.NUMBER, apigw.JsonSchemaType.STRING]
            ),
        },
    )


class InferenceApi(Construct):
    """``POST /predict``, ``POST /feedback``, ``GET /model`` and ``GET /inferences/{id}``,
    all proxied to one function, with the same auth and the stage's throttling."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        stage_name: str,
        handler: lambda_.IFunction,
        auth: str,
        max_batch: int,
        throttle_rate: int,
        throttle_burst: int,
        log_retention: logs.RetentionDays,
        account_cloudwatch_role: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{prefix}-api",
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        use_api_key = auth == "api_key"
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"{prefix}-api",
            description="Predictions, ground-truth feedback and the serving model",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # API Gateway has one CloudWatch role per account and region, shared by every
            # API there. Setting it replaces whatever role other APIs rely on, so it is
            # opt-in; when set, the role outlives the stack, as the setting that names it does.
            cloud_watch_role=account_cloudwatch_role,
            cloud_watch_role_removal_policy=(
                RemovalPolicy.RETAIN if account_cloudwatch_role else None
            ),
            deploy_options=_stage_options(
                stage_name, throttle_rate, throttle_burst, self.access_logs
            ),
            default_method_options=apigw.MethodOptions(
                authorization_type=(
                    apigw.AuthorizationType.NONE if use_api_key else apigw.AuthorizationType.IAM
                ),
                api_key_required=use_api_key,
            ),
        )
        self._validate_bodies()
        integration = apigw.LambdaIntegration(handler)
        self._post("predict", integration, "PredictRequest", predict_schema(max_batch))
        self._post("feedback", integration, "FeedbackRequest", feedback_schema())
        self.api.root.add_resource("model").add_method("GET", integration)
        self.api.root.add_resource("inferences").add_resource("{inference_id}").add_method(
            "GET", integration
        )
        if use_api_key:
            self._usage_plan(prefix, throttle_rate, throttle_burst)
        self._suppress(use_api_key, account_cloudwatch_role)

    def _validate_bodies(self) -> None:
        """Bodies are checked against the models before the function runs."""
        self.body_validator = self.api.add_request_validator(
            "BodyValidator",
            request_validator_name="body",
            validate_request_body=True,
            validate_request_parameters=True,
        )
        # A body the validator refuses is answered in the API's own error shape, naming
        # the field, instead of API Gateway's bare "Invalid request body".
        self.api.add_gateway_response(
            "BadRequestBody",
            type=apigw.ResponseType.BAD_REQUEST_BODY,
            templates={gateway.JSON: gateway.BAD_REQUEST_BODY_TEMPLATE},
        )
        # Auth, size and throttling refusals too: a client parses one shape only.
        for response_type, code in gateway.CODES.items():
            self.api.add_gateway_response(
                f"Gateway{response_type}",
                type=apigw.ResponseType.of(response_type),
                templates={gateway.JSON: gateway.template(code)},
            )

    def _post(
        self, path: str, integration: apigw.Integration, model_name: str, schema: apigw.JsonSchema
    ) -> None:
        model = self.api.add_model(
            model_name, content_type=JSON, model_name=model_name, schema=schema
        )
        self.api.root.add_resource(path).add_method(
            "POST",
            integration,
            request_validator=self.body_validator,
            request_models={JSON: model},
        )

    def _usage_plan(self, prefix: str, rate: int, burst: int) -> None:
        key = self.api.add_api_key("ApiKey", api_key_name=f"{prefix}-api-key")
        plan = self.api.add_usage_plan(
            "UsagePlan",
            name=f"{prefix}-usage",
            throttle=apigw.ThrottleSettings(rate_limit=rate, burst_limit=burst),
        )
        plan.add_api_key(key)
        plan.add_api_stage(stage=self.api.deployment_stage)

    def _suppress(self, use_api_key: bool, account_cloudwatch_role: bool) -> None:
        suppress(
            self.api,
            "APIG3",
            "No WAF web ACL: every request is signed (or keyed) and the stage is throttled.",
        )
        suppress(
            self.api,
            "COG4",
            "Callers are services and people with AWS credentials: IAM (SigV4) authorizes them.",
        )
        if account_cloudwatch_role:
            suppress(
                self.api,
                "IAM4",
                "API Gateway's account-level CloudWatch role uses the AWS-managed "
                "push-to-logs policy.",
            )
        if use_api_key:
            suppress(
                self.api, "APIG4", "serving.auth is api_key: a usage-plan API key is required."
            )


def _stage_options(
    stage_name: str, rate: int, burst: int, access_logs: logs.ILogGroup
) -> apigw.StageOptions:
    """The stage: throttled, traced, with JSON access logs."""
    return apigw.StageOptions(
        stage_name=stage_name,
        throttling_rate_limit=rate,
        throttling_burst_limit=burst,
        tracing_enabled=True,
        metrics_enabled=True,
        logging_level=apigw.MethodLoggingLevel.ERROR,
        access_log_destination=apigw.LogGroupLogDestination(access_logs),
        access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
            caller=True,
            http_method=True,
            ip=True,
            protocol=True,
            request_time=True,
            resource_path=True,
            response_length=True,
            status=True,
            user=True,
        ),
    )
