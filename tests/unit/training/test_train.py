import json
import subprocess
import sys

import pytest

import data
import evaluate
import modelfiles
import modelspec
import train
from features import DataError
from modelspec import ModelSpec


def test_hyperparameters_map_onto_the_boosted_trees(spec: ModelSpec):
    pipeline = train.build_pipeline(
        spec, {"n_estimators": 50, "max_depth": 3, "learning_rate": 0.2}
    )

    params = pipeline.named_steps["model"].get_params()
    assert (params["max_iter"], params["max_depth"], params["learning_rate"]) == (50, 3, 0.2)


def test_fit_learns_the_delivery_time_within_minutes(spec, baseline_pipeline, baseline_frame):
    model = modelfiles.TrainedModel(pipeline=baseline_pipeline, spec=spec, metadata={})
    holdout = baseline_frame[~train.training_rows(baseline_frame, spec)]

    assert evaluate.score(model, holdout, spec)["rmse"] < 6.0


def test_fit_trains_a_classifier_for_a_classification_spec(spec_dict, baseline_frame):
    late = baseline_frame.assign(late=baseline_frame["delivery_minutes"] > 30)
    spec = modelspec.parse(
        {**spec_dict, "target": "late", "task": "classification", "metric": "f1",
         "direction": "maximize"}
    )

    pipeline = train.fit(late, spec, {"n_estimators": 30})

    assert set(pipeline.classes_) == {False, True}
    model = modelfiles.TrainedModel(pipeline=pipeline, spec=spec, metadata={})
    assert evaluate.score(model, late[late.index < 600], spec)["accuracy"] > 0.75


def test_a_missing_feature_column_is_named(spec, baseline_frame):
    with pytest.raises(DataError, match="missing column 'rain_mm'"):
        train.fit(baseline_frame.drop(columns="rain_mm"), spec, {})


def test_a_non_numeric_value_in_a_numeric_column_is_named(spec, baseline_frame):
    broken = baseline_frame.astype({"hour": object})
    broken.loc[3, "hour"] = "noon"

    with pytest.raises(DataError, match="column 'hour' must be numeric; row 3 has 'noon'"):
        train.fit(broken, spec, {})


def test_metadata_traces_the_model_to_its_data(spec, baseline_frame, monkeypatch):
    monkeypatch.setenv(train.DATASET_URI_ENV, "s3://data/snapshots/delivery-eta/v1/data.csv")
    monkeypatch.setenv(train.DATASET_VERSION_ENV, "v1")

    meta = train.metadata(baseline_frame, spec, {"n_estimators": 10}, "data.csv")

    assert meta["data"] == {
        "file": "data.csv",
        "dataset_uri": "s3://data/snapshots/delivery-eta/v1/data.csv",
        "dataset_version_id": "v1",
    }
    assert meta["model_spec"] == spec.to_dict()
    assert meta["hyperparameters"]["n_estimators"] == 10
    assert 0.75 * len(baseline_frame) < meta["training_rows"] < 0.85 * len(baseline_frame)
    assert set(meta["library_versions"]) >= {"scikit-learn", "numpy", "pandas"}


def _run_train(training_dir, tmp_path, spec_json, frame, *extra):
    channel = tmp_path / "train"
    channel.mkdir()
    frame.to_csv(channel / "data.csv", index=False)
    return subprocess.run(
        [sys.executable, "train.py", "--model-spec", spec_json, *extra],
        cwd=training_dir,
        env={"SM_MODEL_DIR": str(tmp_path / "model"), "SM_CHANNEL_TRAIN": str(channel)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_main_refuses_bad_data_with_one_line(training_dir, tmp_path, spec_dict, baseline_frame):
    result = _run_train(
        training_dir,
        tmp_path, json.dumps(spec_dict), baseline_frame.drop(columns="traffic_index").head(50)
    )

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "missing column 'traffic_index'" in result.stderr
    assert not (tmp_path / "model").exists()


def test_main_refuses_a_bad_spec_with_one_line(training_dir, tmp_path, baseline_frame):
    result = _run_train(training_dir, tmp_path, '{"dataset": "eta"}', baseline_frame.head(50))

    assert result.returncode == 2
    assert result.stderr.strip() == "error: model spec: missing field 'features'"


def test_main_ignores_arguments_it_does_not_know(training_dir, tmp_path, spec_dict):
    small = data.generate("baseline", rows=300, seed=3)

    result = _run_train(
        training_dir,
        tmp_path, json.dumps(spec_dict), small, "--n_estimators", "20", "--sagemaker_extra", "x"
    )

    assert result.returncode == 0, result.stderr
    metadata = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert metadata["hyperparameters"]["n_estimators"] == 20
