"""The numpy estimator: expected confusion counts, the noise rule and the lasting gap."""

import json

import numpy as np
import pytest

from lambdas.shared import performance_estimate as pe
from lambdas.shared.performance_estimate import Calibration, CalibrationError

CLASSES = [0, 1]


def _identity_calibration(classes=CLASSES):
    maps = [{"class": c, "x": [0.0, 1.0], "y": [0.0, 1.0]} for c in classes]
    return Calibration.from_dict(
        {"method": "isotonic", "classes": classes, "maps": maps[-1:] if len(classes) == 2 else maps}
    )


def test_expected_confusion_counts_follow_from_the_probabilities():
    # Two predicted positives at 0.9 and 0.6, two predicted negatives at P(positive) 0.2, 0.1
    probabilities = [[0.1, 0.9], [0.4, 0.6], [0.8, 0.2], [0.9, 0.1]]

    result = pe.estimate(probabilities, [1, 1, 0, 0], classes=CLASSES)

    assert result["confusion"] == pytest.approx({"tp": 1.5, "fp": 0.5, "fn": 0.3, "tn": 1.7})
    assert result["accuracy"] == pytest.approx((1.5 + 1.7) / 4)
    assert result["precision"] == pytest.approx(1.5 / 2.0)
    assert result["recall"] == pytest.approx(1.5 / 1.8)
    assert result["f1"] == pytest.approx(3.0 / (3.0 + 0.5 + 0.3))
    sigma = np.sqrt(0.9 * 0.1 + 0.6 * 0.4 + 0.8 * 0.2 + 0.9 * 0.1) / 4
    assert result["accuracy_std"] == pytest.approx(sigma)
    assert result["accuracy_band"] == pytest.approx([result["accuracy"] - 3 * sigma, 1.0])
    assert result["calibrated"] is False


def test_the_calibration_moves_the_estimate():
    # A calibration saying the model's 0.9 is really 0.7
    document = {
        "method": "isotonic",
        "classes": CLASSES,
        "maps": [{"class": 1, "x": [0.1, 0.9], "y": [0.3, 0.7]}],
    }
    calibration = Calibration.from_dict(document)

    result = pe.estimate([[0.1, 0.9]] * 10, [1] * 10, classes=CLASSES, calibration=calibration)

    assert result["accuracy"] == pytest.approx(0.7)
    assert result["calibrated"] is True


def test_a_multiclass_estimate_uses_the_renormalized_predicted_class():
    classes = ["a", "b", "c"]
    probabilities = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]

    result = pe.estimate(
        probabilities, ["a", "c"], classes=classes, calibration=_identity_calibration(classes)
    )

    assert result["accuracy"] == pytest.approx(0.65)
    assert "confusion" not in result


def _window(rng, rows, accuracy):
    """Rows the model calls positive at 0.8; their labels come true at ``accuracy``."""
    probabilities = [[0.2, 0.8]] * rows
    actual = (rng.random(rows) < accuracy).astype(int).tolist()
    return probabilities, [1] * rows, actual


def test_a_gap_within_sampling_noise_is_not_flagged():
    rng = np.random.default_rng(0)
    flagged = 0
    for _ in range(200):
        probabilities, predicted, actual = _window(rng, 400, 0.8)
        result = pe.compare(probabilities, predicted, actual, classes=CLASSES)
        flagged += result["flagged"]

    # sigma = sqrt(0.16 / 400) = 0.02, threshold = 3 sigma + 0.01 = 0.07
    assert result["threshold"] == pytest.approx(0.07)
    assert flagged <= 1


def test_a_gap_beyond_noise_is_flagged_and_lasting_gaps_mean_the_relationship_changed():
    rng = np.random.default_rng(1)
    streak, answers = 0, []
    for accuracy in (0.8, 0.65, 0.65, 0.8):
        probabilities, predicted, actual = _window(rng, 400, accuracy)
        answer = pe.compare(
            probabilities, predicted, actual, classes=CLASSES, flagged_streak=streak
        )
        streak = answer["flagged_streak"]
        answers.append(answer)

    assert [a["flagged"] for a in answers] == [False, True, True, False]
    assert [a["relationship_changed"] for a in answers] == [False, False, True, False]
    assert answers[1]["estimated"] == pytest.approx(0.8)
    assert answers[1]["gap"] == pytest.approx(answers[1]["realized"] - 0.8)
    assert answers[1]["metrics"]["precision"]["realized"] == pytest.approx(answers[1]["realized"])


def test_only_labelled_rows_are_compared_and_feedback_spellings_match_classes():
    probabilities = [[0.2, 0.8], [0.3, 0.7], [0.9, 0.1], [0.6, 0.4]]
    # Feedback may spell a class as text or a float; one label names no class at all.
    actual = ["1", None, 0.0, "maybe"]

    result = pe.compare(probabilities, [1, 1, 0, 0], actual, classes=CLASSES)

    assert result["labels"] == 2
    assert result["unknown_labels"] == 1
    assert result["realized"] == 1.0
    assert result["estimated"] == pytest.approx((0.8 + 0.9) / 2)
    # Too few labels to judge a gap.
    assert result["flagged"] is False


def test_an_empty_window_is_strict_json():
    result = pe.compare([], [], [], classes=CLASSES)

    assert result["estimated"] is None and result["realized"] is None
    json.dumps(result, allow_nan=False)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"method": "platt"}, "method 'isotonic'"),
        ({"method": "isotonic", "classes": [1]}, "at least two classes"),
        ({"method": "isotonic", "classes": [0, 1], "maps": []}, "expected 1 maps"),
        (
            {"method": "isotonic", "classes": [0, 1], "maps": [{"class": 0, "x": [0], "y": [0]}]},
            "maps must be for [1]",
        ),
        (
            {
                "method": "isotonic",
                "classes": [0, 1],
                "maps": [{"class": 1, "x": [0.5, 0.2], "y": [0.1, 0.2]}],
            },
            "finite and increasing",
        ),
        (
            {
                "method": "isotonic",
                "classes": [0, 1],
                "maps": [{"class": 1, "x": [0.2, 0.5], "y": [0.4, 0.2]}],
            },
            "rise within [0, 1]",
        ),
    ],
)
def test_a_malformed_calibration_is_refused_in_one_line(document, message):
    with pytest.raises(CalibrationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Calibration.from_dict(document)


def test_a_calibration_of_another_model_is_refused():
    with pytest.raises(CalibrationError, match="differ from the model's"):
        pe.estimate(
            [[0.5, 0.5]], ["yes"], classes=["no", "yes"], calibration=_identity_calibration()
        )


def test_a_prediction_outside_the_classes_is_refused():
    with pytest.raises(ValueError, match="predicted label 2 is not one of the classes"):
        pe.estimate([[0.5, 0.5]], [2], classes=CLASSES)
