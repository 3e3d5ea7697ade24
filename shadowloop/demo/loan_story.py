"""The loan-approval story: the fairness gate, then fairness watched on live traffic.

A bank's approval model must not hold back an applicant group. On a fresh local cloud:
a candidate trained on past decisions that held group B back (the skew carried by the
postcode, a proxy of the group) is rejected by the fairness gate; a candidate trained on
decisions by the finances alone passes and serves; two hours of applications flow through
the API with the applicant's group beside the features, and their outcomes come back; the
hourly quality check computes the evaluation's per-group figures on that live traffic.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pandas as pd

from infra.config import Config, Fairness, Feature, ModelSpec, QualityGate
from lambdas.shared import s3uri
from shadowloop.demo import loans, traffic
from shadowloop.demo.story import Hour, Step, Story, csv_bytes, gather, reports
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.ops import approval, datasets, localserver, pipeline, replay
from shadowloop.ops.api import ApiClient

DATASET = "loans"
MIN_ACCURACY = 0.7
"""A loan model right less than 7 times in 10 is not worth serving, fair or not."""
HYPERPARAMETERS = {"n_estimators": 100, "max_depth": 4, "learning_rate": 0.1}
"""Five columns need no deeper model, and it trains in a quarter of the time."""


@dataclasses.dataclass(frozen=True)
class LoanUseCase:
    config: Config
    skewed: pd.DataFrame
    fair: pd.DataFrame
    hours: tuple[pd.DataFrame, ...]
    """Live applications per hour, decided fairly (their outcomes are the feedback)."""


def use_case(config: Config, *, rows: int = 2000, requests_per_hour: int = 200) -> LoanUseCase:
    """The loan config (classification, target approved, group applicant_group) and its data."""
    spec = ModelSpec(
        dataset=DATASET,
        target=loans.TARGET,
        task="classification",
        metric="accuracy",
        features=(
            *(Feature(n, "numeric") for n in ("income", "debt_ratio", "credit_years")),
            Feature("loan_amount", "numeric"),
            Feature(loans.PROXY, "categorical"),
        ),
        segment=None,
        hyperparameters=dict(HYPERPARAMETERS),
        fairness=Fairness(group=loans.GROUP, favourable_label=1),
    )
    config = dataclasses.replace(
        config, model=spec, gate=QualityGate(MIN_ACCURACY, config.gate.max_regression)
    )
    live = loans.generate("fair", rows=2 * requests_per_hour, seed=3)
    return LoanUseCase(
        config=config,
        # The same applicants (seed) in both: only the past decisions differ.
        skewed=loans.generate("skewed", rows=rows, seed=2),
        fair=loans.generate("fair", rows=rows, seed=2),
        hours=(live.iloc[:requests_per_hour], live.iloc[requests_per_hour:]),
    )


def run(config: Config, *, workdir: Path, step: Step) -> Story:
    """Run the loan story on a fresh local cloud and return what happened."""
    case = use_case(config)
    spec = case.config.model
    story = Story(use_case=DATASET, traffic_rmse={}, candidate_fairness=[])
    step("starting the local cloud (synthesized stacks on moto)")
    with LocalCloud(workdir=workdir, config=case.config) as cloud:
        server, api_url = localserver.serve_api(cloud, port=0)
        try:
            target = localserver.target_for(cloud, api_url=api_url)
            api = ApiClient(api_url)
            step(
                f"1. {len(case.skewed)} past loan decisions that held {loans.GROUP}=B back; "
                "the pipeline trains a candidate on them"
            )
            rejected = _train(target, spec.dataset, case.skewed, "skewed", step)
            story.first_gate = _gate(rejected)
            if rejected.result != "rejected":
                raise RuntimeError(f"the skewed candidate was not rejected: {rejected.result}")
            step(f"   the gate rejected it: {rejected.reason}")

            step(f"2. {len(case.fair)} decisions on the finances alone: a fair candidate")
            passed = _train(target, spec.dataset, case.fair, "fair", step)
            if passed.result != "registered":
                raise RuntimeError(f"the fair candidate was not registered: {passed.reason}")
            step(f"   the gate passed it: {_gate(passed)['reason']}; it serves")

            hour = Hour(cloud, step)
            for index, applications in enumerate(case.hours, start=1):
                step(
                    f"3.{index} an hour of {len(applications)} applications through the API, "
                    f"each with its {loans.GROUP}; outcomes fed back"
                )
                hour.passes(lambda frame=applications: _send(api, story, spec, frame, step))
            story.live_fairness = _live_fairness(cloud)
            _say_live(story.live_fairness, step)
            gather(cloud, target, story, api)
            step("4. a reviewer signs off the serving model; one declined application explained")
            story.approval = _approve(cloud, story)
            story.explained = _explain_declined(cloud, api, spec, case.hours[-1])
            step(
                f"   inference {story.explained['inference_id']}: declined by "
                f"v{story.explained['model']['version']}, replayed: "
                f"{'reproduced' if story.explained['replay']['reproduced'] else 'DIFFERENT'}"
            )
            story.candidate_fairness = [_bias(cloud, r) for r in story.pipeline_runs or []]
        finally:
            server.shutdown()
    return story


def _train(target: Any, dataset: str, frame: pd.DataFrame, name: str, step: Step) -> Any:
    datasets.push_bytes(target, csv_bytes(frame), dataset, name=name, source="demo")
    return pipeline.follow(
        target, pipeline.start(target, dataset), on_state=lambda s: step(f"     {s}")
    )


def _gate(outcome: Any) -> dict[str, Any]:
    gate = (outcome.output or {}).get("gate") or {}
    return {k: gate.get(k) for k in ("decision", "reason", "fairness")}


def _send(api: ApiClient, story: Story, spec: ModelSpec, frame: pd.DataFrame, step: Step) -> None:
    columns = [*spec.feature_names, *spec.attributes]
    result = traffic.send(api, frame, features=columns, target=spec.target)
    story.predictions_served += result.predictions
    story.feedback_sent += result.feedback
    # 0/1 answers: the mean squared error is the error rate.
    error = result.squared_error / result.predictions if result.predictions else float("nan")
    step(f"     {result.predictions} decisions ({error:.1%} wrong), {result.feedback} outcomes")


def _live_fairness(cloud: LocalCloud) -> dict[str, Any] | None:
    """The last quality report that judged live fairness, with its window and labels."""
    judged = [
        r
        for r in reports(cloud, "monitoring/quality/reports/")
        if (r.get("fairness") or {}).get("groups")
    ]
    if not judged:
        return None
    last = judged[-1]
    return last["fairness"] | {"window": last.get("window"), "labels": last.get("labels")}


def _say_live(live: dict[str, Any] | None, step: Step) -> None:
    if live is None:
        step("   the quality check has not judged live fairness yet")
        return
    sizes = ", ".join(f"{k}: {v['size']}" for k, v in live["groups"].items())
    impact = (live["figures"].get("disparate_impact") or {}).get("value")
    shown = f"disparate impact {impact:.3g}" if impact is not None else "no figures"
    step(f"   quality check, live fairness across {live['group']}: {live['status']}, {shown}")
    step(f"   labelled applications per group: {sizes}")


def _approve(cloud: LocalCloud, story: Story) -> dict[str, Any]:
    """Record a manual approval of the serving package, with who, when and why."""
    arn = (story.served_by or {})["model_package_arn"]
    return approval.decide(
        cloud.client("sagemaker"),
        cloud.client("sts"),
        arn,
        status=approval.APPROVED,
        reason="fairness across applicant_group reviewed on holdout and live traffic",
    )


def _explain_declined(
    cloud: LocalCloud, api: ApiClient, spec: ModelSpec, frame: pd.DataFrame
) -> dict[str, Any]:
    """One application the model declines: its audit record and its replay on the artifact."""
    columns = [*spec.feature_names, *spec.attributes]
    declined = frame[frame[spec.target] == 0].head(20)
    rows = declined[columns].to_dict("records")
    instances = [{k: traffic.plain(v) for k, v in row.items()} for row in rows]
    answers = api.predict(instances)["predictions"]
    chosen = next((a for a in answers if a["prediction"] == 0), answers[0])
    record = api.inference(chosen["inference_id"])
    replayed = replay.replay(
        cloud.client("s3"),
        cloud.client("sagemaker"),
        model_package_arn=record["model_package_arn"],
        instance=record["input"],
        stored=record["prediction"],
    )
    return record | {
        "replay": {
            "model_data_url": replayed.model_data_url,
            "reproduced": replayed.reproduced,
            "replayed": replayed.replayed,
        }
    }


def _bias(cloud: LocalCloud, run: dict[str, Any]) -> dict[str, Any]:
    """A run's candidate per-group holdout figures, from its bias report in S3."""
    fairness = run.get("fairness") or {}
    entry = {"run_id": run["run_id"], "decision": run.get("gate"), "reason": run.get("gate_reason")}
    uri = fairness.get("bias_report_uri")
    if not uri:
        return entry | {"groups": None, "figures": None}
    bucket, key = s3uri.parse(uri)
    body = cloud.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    candidate = json.loads(body)["candidate"]
    return entry | {"groups": candidate["groups"], "figures": candidate["figures"]}
