"""The train → evaluate → register pipeline, as synthesized, on the local cloud."""

from __future__ import annotations

import json
import math
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from lambdas.shared import registry
from shadowloop.localcloud.template import load_assembly
from tests.e2e.conftest import DATASET, generate, push, read_csv, read_s3

pytestmark = pytest.mark.e2e

TRAINING_DIR = Path(__file__).resolve().parents[2] / "training"


def _packages(cloud):
    return registry.list_packages(cloud.client("sagemaker"), cloud.output("ModelPackageGroupName"))


def _notifications(cloud):
    from moto.sns.models import sns_backends

    topic = cloud.output("TopicArn")
    backend = sns_backends["123456789012"]["us-east-1"]
    return [json.loads(message) for _, message, *_ in backend.topics[topic].sent_notifications]


def test_the_local_cloud_runs_the_synthesized_definition(cloud):
    # Given the state machine CloudFormation would create from the synthesized template
    stacks = {s.name: s for s in load_assembly(cloud.assembly)}
    pipeline = stacks[f"{cloud.config.prefix}-pipeline"]
    (machine,) = [
        r for r in pipeline.resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    deployed = cloud.client("stepfunctions").describe_state_machine(
        stateMachineArn=cloud.output("StateMachineArn")
    )["definition"]

    # Then it has the template's states, each with the same type, transitions and handlers
    template_states = json.loads(_unresolved_text(machine["Properties"]["DefinitionString"]))[
        "States"
    ]
    deployed_states = json.loads(deployed)["States"]
    assert _shape(deployed_states) == _shape(template_states)
    assert {"ValidateData", "StartTraining", "Gate", "Register", "Deploy"} <= set(deployed_states)


def _shape(states: dict) -> dict:
    keys = ("Type", "Next", "End", "Default", "Catch", "Retry", "Choices")
    return {name: {k: state.get(k) for k in keys} for name, state in states.items()}


def _unresolved_text(definition) -> str:
    """The definition with every intrinsic replaced by a placeholder string."""
    if isinstance(definition, str):
        return definition
    parts = definition["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "X" for p in parts)


def test_push_train_register_then_retrain_on_a_new_version(cloud, target):
    # Given dataset v1 pushed to the versioned data bucket
    v1_frame = generate("baseline", rows=2000, seed=0)
    v1 = push(target, v1_frame)

    # When the pipeline runs on it
    first = cloud.run_pipeline(dataset=DATASET, version_id=v1)

    # Then it succeeds and registers a package whose lineage pins v1
    assert first.status == "SUCCEEDED", first.cause
    (package,) = _packages(cloud)
    lineage = registry.describe_lineage(cloud.client("sagemaker"), package["arn"])
    assert lineage["version_id"] == v1
    assert lineage["trigger"] == "manual"
    assert lineage["code_version"] == cloud.output("CodeVersion")

    # And its metric is real: the model in the registry, scored on the holdout, gives it
    evaluation = json.loads(read_s3(cloud, lineage["evaluation_uri"]))
    assert evaluation["regression_metrics"]["rmse"]["value"] == pytest.approx(
        lineage["metric_value"]
    )
    assert _rmse_of_registered_model(cloud, lineage) == pytest.approx(
        lineage["metric_value"], rel=1e-9
    )
    assert 2.0 < lineage["metric_value"] < 8.0

    # When v2 is pushed and the pipeline runs again
    v1_snapshot = read_s3(cloud, lineage["snapshot_uri"])
    v2 = push(target, generate("baseline", rows=2500, seed=7))
    second = cloud.run_pipeline(dataset=DATASET, version_id=v2)

    # Then a second package appears for v2, and v1's snapshot is unchanged
    assert second.status == "SUCCEEDED", second.cause
    assert first.output["gate"]["champion_holdout"] is None
    # And the gate also compared both models on v1's own holdout
    judged = second.output["gate"]["champion_holdout"]
    assert (judged["version_id"], judged["compared"]) == (v1, True)
    assert judged["snapshot_uri"] == lineage["snapshot_uri"] and judged["rows"] > 300
    packages = _packages(cloud)
    assert [p["version_id"] for p in packages] == [v2, v1]
    assert read_s3(cloud, lineage["snapshot_uri"]) == v1_snapshot
    assert read_csv(v1_snapshot).shape == v1_frame.shape
    assert _notifications(cloud)[-1]["status"] == "succeeded"


def _rmse_of_registered_model(cloud, lineage) -> float:
    """Score the registered artifact on the snapshot's holdout with the training modules."""
    if str(TRAINING_DIR) not in sys.path:
        sys.path.insert(0, str(TRAINING_DIR))
    import evaluate
    import modelfiles
    import split

    workdir = Path(cloud.workdir) / "check"
    workdir.mkdir(exist_ok=True)
    archive = workdir / "model.tar.gz"
    archive.write_bytes(read_s3(cloud, lineage["model_data_url"]))
    with tarfile.open(archive) as tar:
        tar.extractall(workdir / "model", filter="data")
    model = modelfiles.load(workdir / "model")
    frame = read_csv(read_s3(cloud, lineage["snapshot_uri"]))
    holdout = frame[split.holdout_rows(frame, model.spec)]
    predicted = evaluate.predict(model, holdout).values
    errors = np.asarray(predicted, dtype=float) - holdout["delivery_minutes"].to_numpy()
    return math.sqrt(float(np.mean(errors**2)))


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda f: f.drop(columns=["delivery_minutes"]), "delivery_minutes"),
        (lambda f: f.assign(rain_mm=["heavy"] * 5 + list(f["rain_mm"][5:])), "rain_mm"),
    ],
    ids=["missing-target", "text-in-numeric-column"],
)
def test_a_bad_dataset_fails_at_validation_and_registers_nothing(cloud, target, damage, named):
    # Given a dataset with a missing target column or text in a numeric column
    version = push(target, damage(generate("baseline", rows=300, seed=1)))

    # When the pipeline runs on it
    run = cloud.run_pipeline(dataset=DATASET, version_id=version)

    # Then it fails at validation, the notification names the column, nothing is registered
    assert run.status == "FAILED"
    assert run.error == "DatasetInvalid"
    assert named in run.cause
    (notification,) = _notifications(cloud)
    assert notification["status"] == "failed" and named in notification["reason"]
    assert _packages(cloud) == []


def test_a_candidate_worse_than_the_champion_is_stopped_at_the_gate(cloud, target):
    # Given a champion trained on plenty of data
    strong = cloud.run_pipeline(
        dataset=DATASET, version_id=push(target, generate("baseline", 3000, 0))
    )
    assert strong.status == "SUCCEEDED", strong.cause

    # When a candidate is trained on a sliver of data
    weak = cloud.run_pipeline(
        dataset=DATASET, version_id=push(target, generate("baseline", 120, 5))
    )

    # Then the gate rejects it, nothing new is registered, and the notification says why
    assert weak.status == "SUCCEEDED"
    assert weak.output["gate"]["decision"] == "reject"
    assert "worse than the champion" in weak.output["gate"]["reason"]
    assert len(_packages(cloud)) == 1
    assert _notifications(cloud)[-1]["status"] == "rejected"

    # When a candidate is trained on an export holding only short trips
    short = generate("baseline", 12000, 21).query("distance_km < 4").head(3000)
    biased = cloud.run_pipeline(dataset=DATASET, version_id=push(target, short))

    # Then it is as good as the champion on its own holdout, but the champion's own holdout
    # shows it fails on long trips: the gate rejects it naming that holdout
    gate = biased.output["gate"]
    assert biased.status == "SUCCEEDED", biased.cause
    assert gate["candidate"] <= gate["champion"] * 1.02
    assert gate["decision"] == "reject"
    champion_version = strong.input["version_id"]
    assert gate["reason"].startswith(
        f"on the champion's holdout ({gate['champion_holdout']['rows']} rows of version "
        f"{champion_version}): rmse"
    )
    assert gate["champion_holdout"]["candidate"] > 1.5 * gate["champion_holdout"]["champion"]
    assert len(_packages(cloud)) == 1
    notice = _notifications(cloud)[-1]
    assert notice["status"] == "rejected" and "champion's holdout" in notice["reason"]
