"""Serving stack: the endpoint custom resource, the API's auth and validation, IAM, alarms."""

from __future__ import annotations

import json

import jsonschema
from aws_cdk.assertions import Match

from lambdas.api.schemas import ERROR
from lambdas.shared.contracts import gateway
from tests import inference_table
from tests.infra.conftest import Synthesized, render


def _policy_statements(synthesized: Synthesized, concern: str, role_prefix: str) -> list[dict]:
    """Statements of the policies attached to roles whose logical id starts with ``role_prefix``."""
    statements = []
    for policy in synthesized.resources(concern, "AWS::IAM::Policy").values():
        roles = [r.get("Ref", "") for r in policy["Properties"]["Roles"]]
        if any(r.startswith(role_prefix) for r in roles):
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _resources(statement: dict) -> list:
    resources = statement["Resource"]
    return resources if isinstance(resources, list) else [resources]


def _actions(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


def test_endpoint_custom_resource_is_handled_by_the_deploy_function(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("serving")
    # Given the endpoint custom resource
    (endpoint,) = template.find_resources("Custom::ShadowloopEndpoint").values()
    token = endpoint["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    assert set(endpoint["Properties"]) >= {"ChampionModelPackageArn", "ChallengerModelPackageArn"}
    # Then its service token is the provider framework, whose onEvent target is the deploy function
    framework = template.find_resources("AWS::Lambda::Function")[token]
    target = framework["Properties"]["Environment"]["Variables"]["USER_ON_EVENT_FUNCTION_ARN"]
    deploy_id = target["Fn::GetAtt"][0]
    deploy = template.find_resources("AWS::Lambda::Function")[deploy_id]
    assert deploy["Properties"]["Handler"] == "lambdas.deploy.handler.handler"
    assert deploy["Properties"]["FunctionName"] == f"{synthesized.config.prefix}-deploy"


def test_every_api_method_requires_iam_auth(synthesized: Synthesized) -> None:
    methods = synthesized.resources("serving", "AWS::ApiGateway::Method")
    routes = {m["Properties"]["HttpMethod"]: m["Properties"] for m in methods.values()}
    assert set(routes) == {"POST", "GET"}
    assert len(methods) == 4
    for method in methods.values():
        assert method["Properties"]["AuthorizationType"] == "AWS_IAM"


def test_an_inference_record_is_read_at_get_inferences_id(synthesized: Synthesized) -> None:
    # Given the API's resources, each a path part under its parent
    resources = synthesized.resources("serving", "AWS::ApiGateway::Resource")
    (record,) = [
        (logical_id, r)
        for logical_id, r in resources.items()
        if r["Properties"]["PathPart"] == "{inference_id}"
    ]
    parent = resources[record[1]["Properties"]["ParentId"]["Ref"]]
    assert parent["Properties"]["PathPart"] == "inferences"
    # Then it answers GET through the API function, with the same IAM auth as the others
    methods = synthesized.resources("serving", "AWS::ApiGateway::Method")
    (method,) = [
        m["Properties"]
        for m in methods.values()
        if m["Properties"]["ResourceId"] == {"Ref": record[0]}
    ]
    assert method["HttpMethod"] == "GET"
    assert method["AuthorizationType"] == "AWS_IAM"
    assert method["Integration"]["Type"] == "AWS_PROXY"


def test_api_role_reads_records_and_the_group_packages_lineage(synthesized: Synthesized) -> None:
    statements = _policy_statements(synthesized, "serving", "ApiFunctionRole")
    reading = [s for s in statements if "dynamodb:GetItem" in _actions(s)]
    assert reading and all("Inferences" in json.dumps(r) for s in reading for r in _resources(s))
    (describing,) = [s for s in statements if "sagemaker:DescribeModelPackage" in _actions(s)]
    # The group's name is a token; its package ARNs end in /*, as a package version does.
    packages = [json.dumps(r) for r in _resources(describing) if ":model-package/" in json.dumps(r)]
    assert packages and all('/*"' in p for p in packages)


def test_post_methods_validate_their_body_against_json_schema_models(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("serving")
    template.has_resource_properties(
        "AWS::ApiGateway::RequestValidator", {"ValidateRequestBody": True}
    )
    posts = [
        m["Properties"]
        for m in template.find_resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST"
    ]
    assert len(posts) == 2
    validators = template.find_resources("AWS::ApiGateway::RequestValidator")
    for post in posts:
        assert post["RequestValidatorId"]["Ref"] in validators
        assert "application/json" in post["RequestModels"]
    models = {
        m["Properties"]["Name"]: m["Properties"]["Schema"]
        for m in template.find_resources("AWS::ApiGateway::Model").values()
    }
    predict = models["PredictRequest"]
    assert predict["required"] == ["instances"]
    assert predict["properties"]["instances"]["minItems"] == 1
    assert predict["properties"]["instances"]["maxItems"] == synthesized.config.serving.max_batch
    feedback = models["FeedbackRequest"]
    assert sorted(feedback["required"]) == ["actual", "inference_id"]
    assert sorted(feedback["properties"]["actual"]["type"]) == ["number", "string"]


def test_stage_is_throttled_traced_and_access_logged(synthesized: Synthesized) -> None:
    serving = synthesized.config.serving
    synthesized.template("serving").has_resource_properties(
        "AWS::ApiGateway::Stage",
        Match.object_like(
            {
                "TracingEnabled": True,
                "AccessLogSetting": Match.object_like(
                    {"Format": Match.string_like_regexp("requestId")}
                ),
                "MethodSettings": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "ThrottlingRateLimit": serving.throttle_rate,
                                "ThrottlingBurstLimit": serving.throttle_burst,
                            }
                        )
                    ]
                ),
            }
        ),
    )


def test_api_role_may_invoke_only_the_project_endpoint(synthesized: Synthesized) -> None:
    statements = _policy_statements(synthesized, "serving", "ApiFunctionRole")
    invoking = [s for s in statements if "sagemaker:InvokeEndpoint" in _actions(s)]
    assert len(invoking) == 1
    assert _actions(invoking[0]) == ["sagemaker:InvokeEndpoint"]
    resource = render(invoking[0]["Resource"])
    assert resource.endswith(f":endpoint/{synthesized.config.prefix}-endpoint")


def test_deploy_role_passes_only_the_sagemaker_role_to_sagemaker(synthesized: Synthesized) -> None:
    statements = _policy_statements(synthesized, "serving", "DeployRole")
    (passing,) = [s for s in statements if "iam:PassRole" in _actions(s)]
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }
    assert "SageMakerRole" in render(passing["Resource"])
    managing = [s for s in statements if "sagemaker:CreateEndpoint" in _actions(s)]
    prefix = synthesized.config.prefix
    assert sorted(render(r).rsplit(":", 1)[1] for r in managing[0]["Resource"]) == [
        f"endpoint-config/{prefix}-*",
        f"endpoint/{prefix}-*",
        f"model/{prefix}-*",
    ]


def test_variant_alarms_notify_the_topic_and_are_the_rollback_alarms(
    synthesized: Synthesized,
) -> None:
    prefix = synthesized.config.prefix
    alarms = synthesized.resources("serving", "AWS::CloudWatch::Alarm")
    names = sorted(a["Properties"]["AlarmName"] for a in alarms.values())
    assert names == sorted(
        f"{prefix}-{variant}-{kind}"
        for variant in ("champion", "challenger")
        for kind in ("5xx", "latency-p99")
    )
    for alarm in alarms.values():
        (action,) = alarm["Properties"]["AlarmActions"]
        assert "TopicArn" in render(action) or "Notifications" in render(action)
    functions = synthesized.resources("serving", "AWS::Lambda::Function")
    deploy = next(
        f for f in functions.values() if f["Properties"].get("FunctionName") == f"{prefix}-deploy"
    )
    rollback = json.loads(deploy["Properties"]["Environment"]["Variables"]["ROLLBACK_ALARMS"])
    assert sorted(rollback) == names


def test_inference_table_has_ttl_pitr_and_a_customer_managed_key(synthesized: Synthesized) -> None:
    synthesized.template("serving").has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [{"AttributeName": "inference_id", "KeyType": "HASH"}],
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": Match.object_like({"SSEEnabled": True, "SSEType": "KMS"}),
        },
    )


def test_inference_table_has_the_sparse_feedback_index(synthesized: Synthesized) -> None:
    # The tests that run on moto create the table from tests/inference_table.py: the same one
    (table,) = synthesized.resources("serving", "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["GlobalSecondaryIndexes"] == [inference_table.FEEDBACK_INDEX]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(
        inference_table.ATTRIBUTES, key=str
    )
    assert props["KeySchema"] == inference_table.KEY_SCHEMA


def test_functions_get_the_layers_tracing_and_powertools_settings(synthesized: Synthesized) -> None:
    synthesized.template("serving").has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "lambdas.api.handler.handler",
            "Runtime": "python3.11",
            "Architectures": ["arm64"],
            "TracingConfig": {"Mode": "Active"},
            # One layer, read from an SSM parameter; test_layers.py checks which release.
            "Layers": [{"Ref": Match.any_value()}],
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "POWERTOOLS_SERVICE_NAME": "api",
                        "POWERTOOLS_METRICS_NAMESPACE": "shadowloop",
                        "ENDPOINT_NAME": f"{synthesized.config.prefix}-endpoint",
                        "MAX_BATCH": str(synthesized.config.serving.max_batch),
                        "AUDIT_RETENTION_DAYS": str(
                            synthesized.config.serving.audit_retention_days
                        ),
                    }
                )
            },
        },
    )


def test_a_refused_body_is_answered_in_the_api_error_shape(synthesized: Synthesized) -> None:
    synthesized.template("serving").has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseType": "BAD_REQUEST_BODY",
            "ResponseTemplates": {
                "application/json": Match.string_like_regexp(r"validationErrorString")
            },
        },
    )


def test_gateway_refusals_are_answered_in_the_api_error_shape(synthesized: Synthesized) -> None:
    responses = synthesized.resources("serving", "AWS::ApiGateway::GatewayResponse").values()
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses}
    assert set(by_type) == {"BAD_REQUEST_BODY", *gateway.CODES}
    for response_type, code in gateway.CODES.items():
        text = by_type[response_type]["ResponseTemplates"]["application/json"]
        # API Gateway substitutes the quoted message and the request id
        message = json.dumps('a "quoted" message')
        body = text.replace("$context.error.messageString", message)
        body = json.loads(body.replace("$context.requestId", "req-1"))
        jsonschema.validate(body, ERROR)
        assert body["error"] == {"code": code, "message": 'a "quoted" message'}
