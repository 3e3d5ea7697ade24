"""A candidate judged for fairness carries its bias report and verdict into the registry."""

import botocore.session

from lambdas.register_model.package import Candidate, build_model_package_request
from lambdas.shared import registry
from shadowloop.localcloud import strict
from tests.unit.pipeline.data import SPEC
from tests.unit.pipeline.test_register_request import SETTINGS, state

BIAS = "s3://artifacts/runs/run-7/evaluation/bias.json"
VERDICT = {
    "decision": "pass",
    "group": "applicant_group",
    "problems": [],
    "figures": {"disparate_impact": 0.92913, "tpr_gap": 0.0551, "metric_gap": 0.0213},
    "insufficient_evidence": ["applicant_group=C (12 rows)"],
    "bias_report_uri": BIAS,
}


def fair_state():
    event = state()
    event["gate"]["fairness"] = VERDICT
    return event


def test_the_bias_report_is_the_packages_post_training_bias_report():
    request = build_model_package_request(Candidate.from_event(fair_state(), SPEC, "d"), SETTINGS)

    source = {"ContentType": "application/json", "S3Uri": BIAS}
    assert request["ModelMetrics"]["Bias"] == {"Report": source, "PostTrainingReport": source}
    lineage = request["CustomerMetadataProperties"]
    assert lineage["bias_report_uri"] == BIAS
    assert registry.fairness_of(lineage["fairness"]) == {
        "decision": "pass",
        "group": "applicant_group",
        "disparate_impact": 0.9291,
        "tpr_gap": 0.0551,
        "metric_gap": 0.0213,
        "insufficient_evidence": 1,
    }


def test_the_request_fits_sagemakers_own_shape():
    request = build_model_package_request(Candidate.from_event(fair_state(), SPEC, "d"), SETTINGS)
    model = botocore.session.get_session().get_service_model("sagemaker")

    # Metadata values allow no quotes or braces: the verdict is written as key=value pairs
    strict.check_request(model.operation_model("CreateModelPackage"), request)


def test_without_fairness_the_package_has_no_bias_metrics():
    request = build_model_package_request(Candidate.from_event(state(), SPEC, "d"), SETTINGS)

    assert "Bias" not in request["ModelMetrics"]
    assert request["CustomerMetadataProperties"]["fairness"] == "none"
