import json

import evaluate
import modelfiles
import pytest
import train
from features import DataError
from modelspec import ModelSpec

from shadowloop.ops import examples


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


def test_fit_trains_a_classifier_for_a_classification_spec(late_spec, late_pipeline, late_frame):
    model = modelfiles.TrainedModel(pipeline=late_pipeline, spec=late_spec, metadata={})
    holdout = late_frame[~train.training_rows(late_frame, late_spec)]

    assert set(late_pipeline.classes_) == {False, True}
    assert evaluate.score(model, holdout, late_spec)["accuracy"] > 0.75


def test_a_missing_feature_column_is_named(spec, baseline_frame):
    with pytest.raises(DataError, match="missing column 'rain_mm'"):
        train.fit(baseline_frame.drop(columns="rain_mm"), spec, {})


def test_a_non_numeric_value_in_a_numeric_column_is_named(spec, baseline_frame):
    broken = baseline_frame.astype({"hour": object})
    broken.loc[3, "hour"] = "noon"

    with pytest.raises(DataError, match="column 'hour' must be numeric; row 5 has 'noon'"):
        train.fit(broken, spec, {})


def test_metadata_traces_the_model_to_its_data(spec, baseline_frame, monkeypatch):
    monkeypatch.setenv(train.DATASET_URI_ENV, "s3://data/snapshots/delivery-eta/v1/data.csv")
    monkeypatch.setenv(train.VERSION_ID_ENV, "v1")

    meta = train.metadata(baseline_frame, spec, {"n_estimators": 10}, "data.csv")

    assert meta["data"] == {
        "file": "data.csv",
        "dataset_uri": "s3://data/snapshots/delivery-eta/v1/data.csv",
        "version_id": "v1",
    }
    assert meta["model_spec"] == spec.to_dict()
    assert meta["hyperparameters"]["n_estimators"] == 10
    assert 0.75 * len(baseline_frame) < meta["training_rows"] < 0.85 * len(baseline_frame)
    assert set(meta["library_versions"]) >= {"scikit-learn", "numpy", "pandas"}


def _run_main(tmp_path, monkeypatch, spec_json, frame, *extra):
    channel = tmp_path / "train"
    channel.mkdir()
    frame.to_csv(channel / "data.csv", index=False)
    monkeypatch.setenv("SM_MODEL_DIR", str(tmp_path / "model"))
    monkeypatch.setenv("SM_CHANNEL_TRAIN", str(channel))
    return train.main(["--model-spec", spec_json, *extra])


def test_main_refuses_bad_data_with_one_line(tmp_path, monkeypatch, capsys, spec_dict):
    frame = examples.generate("baseline", rows=50).drop(columns="traffic_index")

    code = _run_main(tmp_path, monkeypatch, json.dumps(spec_dict), frame)

    assert code == 2
    assert capsys.readouterr().err.startswith("error: data: missing column 'traffic_index'")
    assert not (tmp_path / "model").exists()


def test_main_refuses_a_bad_spec_with_one_line(tmp_path, monkeypatch, capsys):
    code = _run_main(tmp_path, monkeypatch, '{"dataset": "eta"}', examples.generate(rows=50))

    assert code == 2
    assert capsys.readouterr().err == "error: model spec: missing field 'features'\n"


def test_main_refuses_a_channel_with_two_csv_files(tmp_path, monkeypatch, capsys, spec_dict):
    channel = tmp_path / "train"
    channel.mkdir()
    (channel / "a.csv").write_text("x\n1\n")
    (channel / "b.csv").write_text("x\n2\n")

    code = train.main(["--model-spec", json.dumps(spec_dict), "--train", str(channel)])

    assert code == 2
    assert capsys.readouterr().err == (
        f"error: expected exactly one CSV file in {channel}, found a.csv, b.csv\n"
    )


def test_main_writes_the_model_files_and_ignores_unknown_arguments(
    tmp_path, monkeypatch, spec_dict
):
    frame = examples.generate("baseline", rows=300, seed=3)

    code = _run_main(
        tmp_path,
        monkeypatch,
        json.dumps(spec_dict),
        frame,
        "--n_estimators",
        "20",
        "--max_depth",
        "None",
        "--sagemaker_extra",
        "x",
    )

    assert code == 0
    model = modelfiles.load(tmp_path / "model")
    assert model.metadata["hyperparameters"]["n_estimators"] == 20
    assert model.pipeline.named_steps["model"].max_depth is None
    assert model.spec.to_dict() == spec_dict


def test_main_reads_the_spec_from_the_spec_channel(tmp_path, monkeypatch, capsys, spec_dict):
    # Given the spec as the one JSON file of the spec channel, as the pipeline passes it
    spec_channel = tmp_path / "spec"
    spec_channel.mkdir()
    (spec_channel / "0123abcd.json").write_text(json.dumps(spec_dict))
    monkeypatch.setenv("SM_CHANNEL_SPEC", str(spec_channel))

    # When training runs with no --model-spec argument
    code = _run_main(tmp_path, monkeypatch, "", examples.generate("baseline", rows=300, seed=3))

    # Then the model records that spec
    assert code == 0, capsys.readouterr().err
    meta = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert meta["model_spec"] == spec_dict


def test_main_without_any_spec_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SM_CHANNEL_SPEC", str(tmp_path / "absent"))

    code = _run_main(tmp_path, monkeypatch, "", examples.generate(rows=50))

    assert code == 2
    assert capsys.readouterr().err.startswith("error: model spec: expected one .json file in ")
