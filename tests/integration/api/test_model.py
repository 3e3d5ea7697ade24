"""GET /model against moto: the served package, its metrics and lineage."""

from __future__ import annotations

from lambdas.api.handler import handler
from lambdas.shared import registry
from tests.integration.api.conftest import ENDPOINT, LINEAGE, deploy, register_package
from tests.integration.api.events import LambdaContext, answer, rest_event


def get_model():
    return answer(handler(rest_event("GET", "/model"), LambdaContext()))


def test_model_shows_the_champion_with_metrics_and_lineage(champion):
    status, body = get_model()

    assert status == 200
    assert body["endpoint"] == ENDPOINT
    assert body["status"] == "InService"
    assert body["shadow"] is None
    production = body["production"]
    assert production["variant"] == "champion"
    assert production["model_package_arn"] == champion
    assert production["version"] == 1
    assert production["approval_status"] == "Approved"
    assert production["metrics"] == {"metric": "rmse", "value": 8.25, "champion_value": 8.9}
    assert production["lineage"]["version_id"] == LINEAGE["version_id"]
    assert production["lineage"]["trigger"] == "drift"
    assert production["lineage"]["run_id"] == "run-20250131-0900"
    assert production["lineage"]["code_version"] == "a1b2c3d"


def test_model_without_an_endpoint_is_no_model_deployed(aws):
    status, body = get_model()

    assert status == 404
    assert body["error"] == {
        "code": "NoModelDeployed",
        "message": f"endpoint '{ENDPOINT}' does not exist yet",
    }


def test_missing_metadata_shows_as_null(aws):
    deploy(register_package({"run_id": "run-1"}))

    status, body = get_model()

    assert status == 200
    assert body["production"]["metrics"] == {"metric": None, "value": None, "champion_value": None}
    assert body["production"]["lineage"]["run_id"] == "run-1"
    assert body["production"]["lineage"]["dataset"] is None


def test_model_shows_the_fairness_figures_of_its_registration(aws):
    # Given a package registered with a fairness verdict and a bias report
    verdict = {
        "decision": "pass",
        "group": "applicant_group",
        "figures": {"disparate_impact": 0.9291, "tpr_gap": 0.0551, "metric_gap": 0.0213},
        "insufficient_evidence": [],
    }
    bias = "s3://shadowloop-dev-artifacts/runs/run-1/evaluation/bias.json"
    deploy(
        register_package(
            {
                "run_id": "run-1",
                "fairness": registry.fairness_property(verdict),
                "bias_report_uri": bias,
            }
        )
    )

    # When GET /model is asked
    status, body = get_model()

    # Then the production model shows the figures and where the per-group report is
    assert status == 200
    assert body["production"]["fairness"] == {
        "decision": "pass",
        "group": "applicant_group",
        "disparate_impact": 0.9291,
        "tpr_gap": 0.0551,
        "metric_gap": 0.0213,
        "insufficient_evidence": 0,
    }
    assert body["production"]["lineage"]["bias_report_uri"] == bias


def test_a_model_without_fairness_shows_null(champion):
    status, body = get_model()

    assert status == 200
    assert body["production"]["fairness"] is None


def test_a_first_model_without_a_champion_value_matches_the_documented_schema(aws):
    """Register writes an absent value as the word "none"; the API shows it as null."""
    import jsonschema

    from lambdas.api import schemas

    metadata = {**LINEAGE, "champion_metric_value": registry.ABSENT, "evaluation_uri": "none"}
    deploy(register_package(metadata))

    status, body = get_model()

    assert status == 200
    production = body["production"]
    assert production["metrics"] == {"metric": "rmse", "value": 8.25, "champion_value": None}
    assert production["lineage"]["evaluation_uri"] is None
    jsonschema.validate(production, schemas.MODEL)
