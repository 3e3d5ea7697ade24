import json

import evaluate
import modelspec
import pytest
import train
from modelfiles import TrainedModel

from shadowloop.ops import examples


@pytest.fixture(scope="module")
def monsoon_evaluation(spec, monsoon_frame, baseline_pipeline, monsoon_pipeline):
    """The monsoon-trained candidate against the baseline-trained champion, on monsoon data."""
    candidate = TrainedModel(pipeline=monsoon_pipeline, spec=spec, metadata={})
    champion = TrainedModel(pipeline=baseline_pipeline, spec=spec, metadata={})
    return evaluate.evaluation_report(candidate, champion, monsoon_frame, spec)


def test_candidate_and_champion_are_scored_on_the_same_holdout(monsoon_evaluation, spec):
    summary = monsoon_evaluation["shadowloop"]

    assert (summary["metric"], summary["direction"]) == ("rmse", "minimize")
    assert 500 < summary["holdout_rows"] < 700
    # The candidate saw monsoon rows (not these); the champion only knows baseline weather.
    assert summary["candidate"]["rmse"] < 0.7 * summary["champion"]["rmse"]
    assert set(summary["candidate"]) == {"rmse", "mae", "r2"}


def test_segments_cover_every_holdout_row(monsoon_evaluation):
    segments = monsoon_evaluation["shadowloop"]["segments"]

    assert segments["column"] == "city_zone"
    assert set(segments["candidate"]) == set(examples.ZONES)
    assert set(segments["champion"]) == set(examples.ZONES)
    counts = sum(s["count"] for s in segments["candidate"].values())
    assert counts == monsoon_evaluation["shadowloop"]["holdout_rows"]


def test_the_candidate_has_sagemaker_model_quality_statistics(monsoon_evaluation):
    quality = monsoon_evaluation["regression_metrics"]

    assert set(quality) == {"rmse", "mae", "r2"}
    assert quality["rmse"]["value"] == monsoon_evaluation["shadowloop"]["candidate"]["rmse"]
    assert 0 < quality["rmse"]["standard_deviation"] < 1
    json.dumps(monsoon_evaluation, allow_nan=False)


def test_without_a_champion_the_champion_fields_are_null(spec, baseline_frame, baseline_pipeline):
    candidate = TrainedModel(pipeline=baseline_pipeline, spec=spec, metadata={})

    summary = evaluate.evaluation_report(candidate, None, baseline_frame, spec)["shadowloop"]

    assert summary["champion"] is None
    assert summary["segments"]["champion"] is None
    assert summary["candidate"]["rmse"] < 6.0


def test_a_champion_needing_a_dropped_column_is_not_compared(
    spec, spec_dict, baseline_frame, baseline_pipeline
):
    # Given the spec dropped "items" but the champion was trained with it
    narrower = modelspec.parse(
        {**spec_dict, "features": [f for f in spec_dict["features"] if f["name"] != "items"]}
    )
    frame = baseline_frame.drop(columns="items")
    candidate = TrainedModel(
        pipeline=train.fit(frame, narrower, {"n_estimators": 30}), spec=narrower, metadata={}
    )
    champion = TrainedModel(pipeline=baseline_pipeline, spec=spec, metadata={})

    # When the candidate is evaluated on the new data
    summary = evaluate.evaluation_report(candidate, champion, frame, narrower)["shadowloop"]

    # Then the champion is reported as not comparable, with the reason
    assert summary["champion"] is None
    assert "missing column 'items'" in summary["champion_error"]


def test_a_classifier_gets_binary_classification_statistics(late_spec, late_pipeline, late_frame):
    model = TrainedModel(pipeline=late_pipeline, spec=late_spec, metadata={})

    report = evaluate.evaluation_report(model, None, late_frame, late_spec)

    assert set(report["binary_classification_metrics"]) == {"accuracy", "f1", "auc"}
    assert report["shadowloop"]["candidate"]["roc_auc"] > 0.8
    north = report["shadowloop"]["segments"]["candidate"]["north"]
    assert {"accuracy", "f1", "roc_auc", "log_loss", "count"} <= set(north)
