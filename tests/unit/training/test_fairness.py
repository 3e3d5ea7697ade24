"""Fairness figures per group, each checked against scikit-learn on the same predictions."""

import json
import tarfile

import evaluate
import fairness
import modelfiles
import modelspec
import numpy as np
import pytest
import train
from modelfiles import TrainedModel
from sklearn.metrics import accuracy_score, confusion_matrix, mean_squared_error, recall_score

from shadowloop.demo import loans

FEATURES = [
    {"name": "income", "type": "numeric"},
    {"name": "debt_ratio", "type": "numeric"},
    {"name": "credit_years", "type": "numeric"},
    {"name": "loan_amount", "type": "numeric"},
    {"name": "postcode_band", "type": "categorical"},
]


def loan_spec(**limits) -> modelspec.ModelSpec:
    return modelspec.parse(
        {
            "dataset": "loans",
            "target": "approved",
            "task": "classification",
            "metric": "accuracy",
            "direction": "maximize",
            "features": FEATURES,
            "fairness": {"group": "applicant_group", "favourable_label": 1, **limits},
        }
    )


def sklearn_rates(y_true, y_pred):
    """Selection rate, TPR and FPR of the favourable label 1, from the confusion matrix."""
    tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    return {
        "selection_rate": (tp + fp) / len(y_true),
        "tpr": recall_score(y_true, y_pred, pos_label=1),
        "fpr": fp / (fp + tn),
    }


@pytest.fixture(scope="module")
def predictions():
    """Holdout-like answers for three groups; group C is too small to judge."""
    rng = np.random.default_rng(7)
    groups = np.array(["A"] * 120 + ["B"] * 80 + ["C"] * 12, dtype=object)
    y_true = rng.integers(0, 2, size=len(groups))
    # B's favourable answers are cut at random: a model that disadvantages B.
    y_pred = np.where(rng.random(len(groups)) < 0.85, y_true, 1 - y_true)
    y_pred = np.where((groups == "B") & (rng.random(len(groups)) < 0.4), 0, y_pred)
    return groups, y_true, y_pred


def test_every_group_figure_matches_scikit_learn(predictions):
    groups, y_true, y_pred = predictions

    assessed = fairness.assess(loan_spec(), groups, y_true, y_pred)

    for key in ("A", "B", "C"):
        rows = groups == key
        mine = assessed["groups"][key]
        expected = sklearn_rates(y_true[rows], y_pred[rows])
        assert mine["size"] == rows.sum()
        assert mine["selection_rate"] == pytest.approx(expected["selection_rate"], abs=1e-9)
        assert mine["tpr"] == pytest.approx(expected["tpr"], abs=1e-9)
        assert mine["fpr"] == pytest.approx(expected["fpr"], abs=1e-9)
        assert mine["metric"] == pytest.approx(accuracy_score(y_true[rows], y_pred[rows]), abs=1e-9)


def test_across_group_figures_match_scikit_learn_and_leave_small_groups_out(predictions):
    groups, y_true, y_pred = predictions

    assessed = fairness.assess(loan_spec(), groups, y_true, y_pred)

    rates = {k: sklearn_rates(y_true[groups == k], y_pred[groups == k]) for k in ("A", "B")}
    accuracy = {k: accuracy_score(y_true[groups == k], y_pred[groups == k]) for k in ("A", "B")}
    figures = assessed["figures"]
    low, high = sorted(("A", "B"), key=lambda k: rates[k]["selection_rate"])
    assert figures["disparate_impact"]["group"] == low == "B"
    assert figures["disparate_impact"]["value"] == pytest.approx(
        rates[low]["selection_rate"] / rates[high]["selection_rate"], abs=1e-9
    )
    assert figures["tpr_gap"]["value"] == pytest.approx(
        abs(rates["A"]["tpr"] - rates["B"]["tpr"]), abs=1e-9
    )
    assert figures["tpr_gap"]["group"] == "B"
    assert figures["metric_gap"]["value"] == pytest.approx(
        abs(accuracy["A"] - accuracy["B"]), abs=1e-9
    )
    assert assessed["judged"] == ["A", "B"]
    assert assessed["insufficient_evidence"] == ["C"]
    assert assessed["groups"]["C"]["status"] == fairness.INSUFFICIENT


def test_groups_under_the_minimum_size_leave_nothing_to_judge(predictions):
    groups, y_true, y_pred = predictions

    assessed = fairness.assess(loan_spec(min_group_size=100), groups, y_true, y_pred)

    assert assessed["judged"] == ["A"]
    assert assessed["insufficient_evidence"] == ["B", "C"]
    assert {g["status"] for k, g in assessed["groups"].items() if k != "A"} == {
        "insufficient_evidence"
    }
    assert assessed["figures"] == {}


def test_regression_error_ratio_is_the_worst_group_over_the_overall_error():
    spec = modelspec.parse(
        {
            "dataset": "eta",
            "target": "minutes",
            "task": "regression",
            "metric": "rmse",
            "direction": "minimize",
            "features": [{"name": "distance_km", "type": "numeric"}],
            "fairness": {"group": "zone"},
        }
    )
    rng = np.random.default_rng(3)
    groups = np.array(["inner"] * 90 + ["outer"] * 60, dtype=object)
    y_true = rng.normal(30, 5, size=150)
    y_pred = y_true + rng.normal(0, np.where(groups == "outer", 6.0, 2.0))

    assessed = fairness.assess(spec, groups, y_true, y_pred)

    overall = mean_squared_error(y_true, y_pred) ** 0.5
    for key in ("inner", "outer"):
        rows = groups == key
        rmse = mean_squared_error(y_true[rows], y_pred[rows]) ** 0.5
        assert assessed["groups"][key]["error"] == pytest.approx(rmse, abs=1e-9)
        assert assessed["groups"][key]["error_ratio"] == pytest.approx(rmse / overall, abs=1e-9)
    worst = assessed["figures"]["error_ratio"]
    assert worst["group"] == "outer"
    assert worst["value"] == pytest.approx(assessed["groups"]["outer"]["error_ratio"], abs=1e-9)


def test_labels_and_groups_read_back_from_csv_compare_as_text():
    assert fairness.label_text(1.0) == fairness.label_text(1) == fairness.label_text("1") == "1"
    assert fairness.label_text(float("nan")) == fairness.MISSING_GROUP


@pytest.fixture(scope="module")
def skewed_evaluation():
    """A model trained on skewed labels (group not a feature) against one on fair labels."""
    spec = loan_spec()
    settings = {"n_estimators": 60, "max_depth": 4, "learning_rate": 0.1}
    skewed = loans.generate("skewed", rows=1500, seed=0)
    fair = loans.generate("fair", rows=1500, seed=0)
    candidate = TrainedModel(train.fit(skewed, spec, settings), spec, {"classes": [0, 1]})
    champion = TrainedModel(train.fit(fair, spec, settings), spec, {"classes": [0, 1]})
    return spec, skewed, evaluate.evaluation_report(candidate, champion, skewed, spec), candidate


def test_evaluation_json_holds_both_models_fairness_on_the_same_holdout(skewed_evaluation):
    spec, frame, report, candidate = skewed_evaluation
    block = report["shadowloop"]["fairness"]

    assert block["group"] == "applicant_group"
    assert block["report_file"] == fairness.BIAS_REPORT_FILE
    assert set(block["candidate"]["groups"]) == set(block["champion"]["groups"]) == {"A", "B"}
    sizes = sum(g["size"] for g in block["candidate"]["groups"].values())
    assert sizes == report["shadowloop"]["holdout_rows"]
    # Recomputed from the candidate's own predictions on the holdout rows.
    holdout = frame[evaluate.holdout_rows(frame, spec)]
    y_pred = evaluate.predict(candidate, holdout).values
    for key in ("A", "B"):
        rows = (holdout["applicant_group"] == key).to_numpy()
        expected = sklearn_rates(holdout["approved"].to_numpy()[rows], y_pred[rows])
        got = block["candidate"]["groups"][key]
        assert got["selection_rate"] == pytest.approx(expected["selection_rate"], abs=1e-9)
        assert got["tpr"] == pytest.approx(expected["tpr"], abs=1e-9)
    # The skew reaches the model through the postcode proxy, though it never saw the group.
    assert "applicant_group" not in spec.feature_names
    assert block["candidate"]["figures"]["disparate_impact"]["value"] < 0.8
    assert block["champion"]["figures"]["disparate_impact"]["value"] > 0.8
    json.dumps(report, allow_nan=False)


def test_main_writes_the_bias_report_beside_evaluation_json(tmp_path, skewed_evaluation):
    spec, frame, _, candidate = skewed_evaluation
    model_dir = tmp_path / "model"
    modelfiles.save(model_dir, candidate.pipeline, train.metadata(frame, spec, {}, "data.csv"))
    (tmp_path / "candidate").mkdir()
    with tarfile.open(tmp_path / "candidate" / modelfiles.TARBALL, "w:gz") as archive:
        for path in model_dir.iterdir():
            archive.add(path, arcname=path.name)
    (tmp_path / "data").mkdir()
    frame.to_csv(tmp_path / "data" / "loans.csv", index=False)

    code = evaluate.main(
        [
            "--model-spec",
            json.dumps(spec.to_dict()),
            "--candidate",
            str(tmp_path / "candidate"),
            "--champion",
            str(tmp_path / "champion"),
            "--data",
            str(tmp_path / "data"),
            "--output",
            str(tmp_path / "out"),
        ]
    )

    assert code == 0
    evaluation = json.loads((tmp_path / "out" / "evaluation.json").read_text())
    bias = json.loads((tmp_path / "out" / fairness.BIAS_REPORT_FILE).read_text())
    assert bias == evaluation["shadowloop"]["fairness"]
    assert bias["champion"] is None
    assert bias["candidate"]["figures"]["disparate_impact"]["group"] == "B"
