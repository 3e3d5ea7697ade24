"""The scripts run as SageMaker runs them: a code dir as cwd, SM_* variables, job directories."""

import json
import math
import os
import shutil
import subprocess
import sys
import tarfile

import evaluate
import inference
import modelfiles
import numpy as np
import pytest
import split

from shadowloop.ops import examples


def _run(code_dir, script, args, env):
    # One OpenMP thread: the scripts share this machine's two cores with the test run.
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=code_dir,
        env={**os.environ, **env, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _pack(model_dir, tarball):
    with tarfile.open(tarball, "w:gz") as archive:
        for path in sorted(model_dir.iterdir()):
            archive.add(path, arcname=path.name)


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory, training_dir, spec_dict):
    """Train, pack and evaluate in subprocesses, from a copy of the code dir."""
    root = tmp_path_factory.mktemp("sagemaker")
    code_dir = root / "code"
    shutil.copytree(training_dir, code_dir, ignore=shutil.ignore_patterns("__pycache__"))
    frame = examples.generate("baseline", rows=2000, seed=11)
    channel = root / "input/data/train"
    channel.mkdir(parents=True)
    frame.to_csv(channel / "snapshot.csv", index=False)
    spec_json = json.dumps(spec_dict)

    training = _run(
        code_dir,
        "train.py",
        ["--model-spec", spec_json, "--n_estimators", "100", "--sagemaker_program", "train.py"],
        {
            "SM_MODEL_DIR": str(root / "model"),
            "SM_CHANNEL_TRAIN": str(channel),
            "SHADOWLOOP_VERSION_ID": "v7",
        },
    )
    assert training.returncode == 0, training.stderr
    processing = root / "processing"
    (processing / "candidate").mkdir(parents=True)
    (processing / "champion").mkdir()
    (processing / "champion" / "champion.json").write_text('{"model_package_arn": null}')
    _pack(root / "model", processing / "candidate" / "model.tar.gz")
    evaluation = _run(
        code_dir,
        "evaluate.py",
        [
            "--model-spec",
            spec_json,
            "--candidate",
            str(processing / "candidate"),
            "--champion",
            str(processing / "champion"),
            "--data",
            str(channel),
            "--output",
            str(processing / "evaluation"),
        ],
        {},
    )
    assert evaluation.returncode == 0, evaluation.stderr
    report = json.loads((processing / "evaluation" / "evaluation.json").read_text())
    return {"root": root, "frame": frame, "report": report}


def test_training_writes_model_files_that_trace_the_data(pipeline_run, spec_dict):
    metadata = json.loads((pipeline_run["root"] / "model" / "metadata.json").read_text())

    assert metadata["model_spec"] == spec_dict
    assert metadata["data"]["file"] == "snapshot.csv"
    assert metadata["data"]["version_id"] == "v7"
    assert metadata["hyperparameters"]["n_estimators"] == 100


def test_evaluation_reports_the_candidate_alone_without_a_champion(pipeline_run):
    summary = pipeline_run["report"]["shadowloop"]

    assert summary["champion"] is None
    assert summary["candidate"]["rmse"] < 12.0  # the default gate threshold
    # A regressor has no probabilities to calibrate.
    assert not (pipeline_run["root"] / "processing/evaluation/calibration.json").exists()
    assert pipeline_run["report"]["regression_metrics"]["rmse"]["value"] == pytest.approx(
        summary["candidate"]["rmse"]
    )


def test_the_served_model_reproduces_the_evaluated_holdout_rmse(pipeline_run, spec):
    # Given the model as the inference container unpacks it
    served_dir = modelfiles.extract(
        pipeline_run["root"] / "processing" / "candidate" / "model.tar.gz",
        pipeline_run["root"] / "served",
    )
    model = inference.model_fn(str(served_dir))
    frame = pipeline_run["frame"]
    holdout = frame[split.holdout_rows(frame, spec)]

    # When the holdout rows are sent as one JSON request
    instances = holdout[spec.feature_names].to_dict(orient="records")
    body = json.dumps({"instances": instances, "inference_ids": [f"id-{i}" for i in holdout.index]})
    request = inference.input_fn(body.encode(), "application/json")
    answer, content_type = inference.output_fn(
        inference.predict_fn(request, model), "application/json"
    )

    # Then the answers are real minutes, with the rmse evaluation.json reported
    predictions = np.array(json.loads(answer)["predictions"])
    assert content_type == "application/json"
    assert np.isfinite(predictions).all()
    rmse = math.sqrt(np.mean((predictions - holdout[spec.target].to_numpy()) ** 2))
    summary = pipeline_run["report"]["shadowloop"]
    assert summary["holdout_rows"] == len(holdout)
    assert rmse == pytest.approx(summary["candidate"]["rmse"], rel=1e-9)


def test_a_champion_archive_is_scored_on_the_same_holdout(pipeline_run, spec_dict):
    # Given the run's own model also stands as the champion
    processing = pipeline_run["root"] / "processing"
    champion_dir = processing / "with-champion"
    champion_dir.mkdir()
    shutil.copy(processing / "candidate" / "model.tar.gz", champion_dir / "model.tar.gz")

    # When the evaluation runs with it
    code = evaluate.main(
        [
            "--model-spec",
            json.dumps(spec_dict),
            "--candidate",
            str(processing / "candidate"),
            "--champion",
            str(champion_dir),
            "--data",
            str(pipeline_run["root"] / "input/data/train"),
            "--output",
            str(processing / "compared"),
        ]
    )

    # Then both sides carry identical scores
    summary = json.loads((processing / "compared" / "evaluation.json").read_text())["shadowloop"]
    assert code == 0
    assert summary["champion"] == summary["candidate"]
    assert summary["segments"]["champion"] == summary["segments"]["candidate"]


def test_evaluation_without_a_candidate_archive_fails_in_one_line(tmp_path, capsys, spec_dict):
    (tmp_path / "data").mkdir()
    examples.generate(rows=20).to_csv(tmp_path / "data" / "data.csv", index=False)

    code = evaluate.main(
        [
            "--model-spec",
            json.dumps(spec_dict),
            "--candidate",
            str(tmp_path / "missing"),
            "--data",
            str(tmp_path / "data"),
            "--output",
            str(tmp_path / "out"),
        ]
    )

    assert code == 2
    assert (
        capsys.readouterr().err == f"error: no model archive at {tmp_path}/missing/model.tar.gz\n"
    )
    assert not (tmp_path / "out").exists()
