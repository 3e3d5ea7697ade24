"""Label-free accuracy estimates on hospital readmissions, from a model the real code trained.

The model is fit by ``train.fit`` and calibrated by ``calibration.fit`` on its holdout;
the windows are scored as the endpoint scores them and estimated by the Lambda's numpy
code. Realized accuracy on a window of n labels has its own sampling noise
(about 0.013 at n = 750 here), which is what the 0.03 bar leaves room for.
"""

import calibration
import modelspec
import pytest
import train
from features import model_inputs, target_values
from split import holdout_rows

from lambdas.shared import performance_estimate
from shadowloop.demo import hospital

TRAINING_ROWS = 20_000
WINDOW_ROWS = [500, 550, 600, 650, 700, 750, 800, 850, 900, 1000]


@pytest.fixture(scope="module")
def readmission_spec():
    return modelspec.parse(hospital.model_spec().to_dict())


@pytest.fixture(scope="module")
def readmission_model(readmission_spec):
    """The pipeline trained on baseline discharges and its calibration as the Lambda reads it."""
    frame = hospital.generate("baseline", rows=TRAINING_ROWS, seed=0)
    pipeline = train.fit(frame, readmission_spec, {})
    holdout = frame[holdout_rows(frame, readmission_spec)]
    fitted = calibration.fit(
        target_values(holdout, readmission_spec).to_numpy(),
        pipeline.predict_proba(model_inputs(holdout, readmission_spec)),
        list(pipeline.classes_),
    )
    return pipeline, performance_estimate.Calibration.from_dict(fitted.to_dict())


def _windows(scenario, model, spec, seed):
    """Compare estimate and realized accuracy window by window, carrying the flag streak."""
    pipeline, fitted = model
    streak, results = 0, []
    for i, rows in enumerate(WINDOW_ROWS):
        window = hospital.generate(scenario, rows=rows, seed=seed + i)
        inputs = model_inputs(window, spec)
        result = performance_estimate.compare(
            pipeline.predict_proba(inputs).tolist(),
            pipeline.predict(inputs).tolist(),
            window[hospital.TARGET].tolist(),
            classes=list(pipeline.classes_),
            calibration=fitted,
            flagged_streak=streak,
        )
        streak = result["flagged_streak"]
        results.append(result)
    return results


def test_under_covariate_shift_the_estimate_tracks_realized_accuracy(
    readmission_model, readmission_spec
):
    # Given an older, sicker intake whose risk given the patient is unchanged
    results = _windows("covariate_shift", readmission_model, readmission_spec, seed=100)

    # Then every window's estimate is within 0.03 of its realized accuracy, none is flagged
    gaps = [abs(r["gap"]) for r in results]
    assert [r["labels"] for r in results] == WINDOW_ROWS
    assert max(gaps) <= 0.03, gaps
    assert not any(r["flagged"] for r in results)


def test_under_concept_drift_the_divergence_is_flagged_and_lasting(
    readmission_model, readmission_spec
):
    # Given the same intake, but older orthopedic patients now mostly come back
    results = _windows("concept_drift", readmission_model, readmission_spec, seed=200)

    # Then realized accuracy falls below the estimate beyond noise, window after window
    assert all(r["gap"] < 0 for r in results)
    assert sum(r["flagged"] for r in results) >= 8
    assert results[0]["flagged"] and results[1]["flagged"]
    assert results[1]["relationship_changed"]
    assert sum(r["relationship_changed"] for r in results) >= 7


def test_without_labels_the_estimate_sees_covariate_shift_but_not_concept_drift(
    readmission_model, readmission_spec
):
    # The estimate alone, on the whole window: the reason a lasting gap matters.
    pipeline, fitted = readmission_model
    classes = list(pipeline.classes_)

    def estimate(scenario):
        window = hospital.generate(scenario, rows=5000, seed=300)
        inputs = model_inputs(window, readmission_spec)
        return performance_estimate.estimate(
            pipeline.predict_proba(inputs).tolist(),
            pipeline.predict(inputs).tolist(),
            classes=classes,
            calibration=fitted,
        )

    baseline, drifted = estimate("baseline"), estimate("concept_drift")
    assert drifted["accuracy"] == pytest.approx(baseline["accuracy"], abs=0.005)
    low, high = baseline["accuracy_band"]
    assert low < baseline["accuracy"] < high
    assert baseline["positive_class"] == 1
    counts = baseline["confusion"]
    assert sum(counts.values()) == pytest.approx(5000)
    assert baseline["precision"] == pytest.approx(counts["tp"] / (counts["tp"] + counts["fp"]))
