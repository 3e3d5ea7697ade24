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


def test_both_models_are_scored_on_the_champions_own_holdout(
    spec, baseline_frame, baseline_pipeline
):
    # Given a candidate trained on short trips only, and the champion's training data
    import champion_holdout
    from split import holdout_rows

    short = examples.generate("baseline", rows=12000, seed=21).query("distance_km < 4")
    candidate = TrainedModel(pipeline=train.fit(short.head(3000), spec, {}), spec=spec, metadata={})
    champion = TrainedModel(pipeline=baseline_pipeline, spec=spec, metadata={})
    data = champion_holdout.ChampionData("s3://d/snapshots/x/v1/data.csv", "v1", baseline_frame)

    report = evaluate.evaluation_report(
        candidate, champion, short.head(3000), spec, champion_data=data
    )

    # Then the block holds exactly the champion's holdout rows, where the candidate is far worse
    block = report["shadowloop"]["champion_holdout"]
    assert (block["version_id"], block["error"]) == ("v1", None)
    assert block["rows"] == int(holdout_rows(baseline_frame, spec).sum())
    expected = evaluate.score(candidate, baseline_frame[holdout_rows(baseline_frame, spec)], spec)
    assert block["candidate"] == expected
    assert block["candidate"]["rmse"] > 1.5 * block["champion"]["rmse"]
    # While on the run's own holdout it looks as good as the champion
    summary = report["shadowloop"]
    assert summary["candidate"]["rmse"] < 1.02 * summary["champion"]["rmse"]


def test_the_champion_holdout_is_null_without_a_champion_and_says_why_when_missing(
    spec, baseline_frame, baseline_pipeline, tmp_path
):
    import champion_holdout

    model = TrainedModel(pipeline=baseline_pipeline, spec=spec, metadata={})
    alone = evaluate.evaluation_report(model, None, baseline_frame, spec)
    (tmp_path / "champion.json").write_text(json.dumps({"snapshot_uri": None}))
    unknown = champion_holdout.load(tmp_path, tmp_path / "none")

    report = evaluate.evaluation_report(model, model, baseline_frame, spec, champion_data=unknown)

    assert alone["shadowloop"]["champion_holdout"] is None
    block = report["shadowloop"]["champion_holdout"]
    assert block["rows"] == 0 and block["candidate"] is None
    assert block["error"] == "the champion's package names no training snapshot"
