"""The Gate step against moto: it reads the run's evaluation.json and decides."""

import json

import pytest

from lambdas.evaluation_gate.gate import EvaluationUnavailable
from lambdas.evaluation_gate.handler import handler
from lambdas.shared.contracts import steps
from tests.integration.pipeline.conftest import ARTIFACT_BUCKET

KEY = "runs/run-1/evaluation/evaluation.json"
URI = f"s3://{ARTIFACT_BUCKET}/{KEY}"


def evaluation(candidate, champion):
    return {
        "regression_metrics": {"mae": {"value": candidate.get("mae"), "standard_deviation": 0.1}},
        "shadowloop": {
            "metric": "rmse",
            "direction": "minimize",
            "holdout_rows": 1000,
            "candidate": candidate,
            "champion": champion,
            "segments": {"column": "city_zone", "candidate": {}, "champion": None},
        },
    }


def gate(s3, context, body):
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key=KEY, Body=body)
    return handler({"run_id": "run-1", "evaluation_uri": URI}, context)


def test_regressed_candidate_is_rejected(s3, context):
    document = evaluation(
        {"rmse": 7.9, "mae": 6.0, "r2": 0.6}, {"rmse": 5.1, "mae": 3.9, "r2": 0.8}
    )

    result = gate(s3, context, json.dumps(document))

    assert tuple(result) == steps.GATE.result
    assert result == {
        "decision": "reject",
        "reason": "rmse 7.90 is worse than the champion's 5.10 by 54.9 % (allowed 2.0 %)",
        "metric": "rmse",
        "candidate": 7.9,
        "champion": 5.1,
        "champion_holdout": None,
        "fairness": None,
    }


def test_first_candidate_under_the_ceiling_passes(s3, context):
    result = gate(s3, context, json.dumps(evaluation({"rmse": 5.1}, None)))

    assert (result["decision"], result["champion"]) == ("pass", None)


# A step that fails before deciding anything has no metric to publish.
@pytest.mark.filterwarnings("ignore:No application metrics")
def test_corrupt_or_missing_evaluation_is_unavailable(s3, context):
    with pytest.raises(EvaluationUnavailable, match="is unusable"):
        gate(s3, context, b"{not json")
    with pytest.raises(EvaluationUnavailable, match="has no finite 'rmse'"):
        gate(s3, context, json.dumps(evaluation({"mae": 3.0}, None)))
    with pytest.raises(EvaluationUnavailable, match="cannot be read"):
        handler({"run_id": "run-1", "evaluation_uri": URI.replace("run-1", "run-2")}, context)
