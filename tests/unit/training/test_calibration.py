"""Holdout calibration: fit by scikit-learn at training, applied by numpy in the Lambdas."""

import json
import tarfile

import calibration
import evaluate
import modelfiles
import numpy as np
import pytest
from features import model_inputs, target_values
from split import holdout_rows

from lambdas.shared import performance_estimate


def _overconfident(rng, rows, classes):
    """Raw probabilities sharper than the truth that produced the labels."""
    logits = rng.normal(0.0, 2.0, (rows, len(classes)))
    truth = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(classes, p=row) for row in truth])
    sharp = np.exp(2.5 * logits)
    return labels, sharp / sharp.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("classes", [[0, 1], ["low", "mid", "high"]])
def test_the_lambda_applies_the_calibration_exactly_as_training_does(classes):
    # Given a calibration fit on one sample and sent through calibration.json
    rng = np.random.default_rng(3)
    labels, raw = _overconfident(rng, 3000, classes)
    fitted = calibration.fit(labels, raw, classes)
    document = json.loads(json.dumps(fitted.to_dict(), allow_nan=False))
    loaded = performance_estimate.Calibration.from_dict(document)

    # When both sides calibrate new probabilities, some beyond the fitted range
    _, fresh = _overconfident(np.random.default_rng(4), 1000, classes)
    fresh[0] = np.eye(len(classes))[0]

    # Then they agree to the last bit that matters and every row sums to 1
    on_training = fitted.apply(fresh)
    on_lambda = loaded.apply(fresh)
    np.testing.assert_allclose(on_lambda, on_training, rtol=0, atol=1e-12)
    np.testing.assert_allclose(on_lambda.sum(axis=1), 1.0)
    assert document["classes"] == classes
    assert len(document["maps"]) == (1 if len(classes) == 2 else len(classes))


def test_calibration_corrects_overconfident_probabilities():
    rng = np.random.default_rng(5)
    labels, raw = _overconfident(rng, 4000, [0, 1])
    fitted = calibration.fit(labels, raw, [0, 1])
    test_labels, test_raw = _overconfident(rng, 4000, [0, 1])

    calibrated = fitted.apply(test_raw)[:, 1]
    confident = test_raw[:, 1] > 0.9

    # The raw 0.9+ promise is broken; the calibrated one is kept within noise.
    realized = (test_labels[confident] == 1).mean()
    assert test_raw[confident, 1].mean() - realized > 0.05
    assert abs(calibrated[confident].mean() - realized) < 0.02


def test_the_evaluation_job_writes_a_classifier_calibration(
    tmp_path, late_spec, late_pipeline, late_frame
):
    # Given a packed classifier and the champion directory of a first run
    model_dir = tmp_path / "model"
    modelfiles.save(model_dir, late_pipeline, {"model_spec": late_spec.to_dict()})
    candidate = tmp_path / "candidate"
    candidate.mkdir()
    with tarfile.open(candidate / modelfiles.TARBALL, "w:gz") as archive:
        for path in sorted(model_dir.iterdir()):
            archive.add(path, arcname=path.name)
    champion = tmp_path / "champion"
    champion.mkdir()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    late_frame.to_csv(data_dir / "snapshot.csv", index=False)

    # When the evaluation job runs
    code = evaluate.main(
        [
            "--model-spec",
            json.dumps(late_spec.to_dict()),
            "--candidate",
            str(candidate),
            "--champion",
            str(champion),
            "--data",
            str(data_dir),
            "--output",
            str(tmp_path / "evaluation"),
        ]
    )

    # Then calibration.json lies beside evaluation.json and fits the holdout
    assert code == 0
    document = json.loads((tmp_path / "evaluation" / calibration.CALIBRATION_FILE).read_text())
    loaded = performance_estimate.Calibration.from_dict(document)
    holdout = late_frame[holdout_rows(late_frame, late_spec)]
    proba = late_pipeline.predict_proba(model_inputs(holdout, late_spec))
    assert document["classes"] == [False, True]
    assert document["rows"] == len(holdout)
    # Isotonic regression keeps the mean: calibrated risk on the holdout is its late rate.
    assert loaded.apply(proba)[:, 1].mean() == pytest.approx(
        target_values(holdout, late_spec).mean(), abs=1e-9
    )
