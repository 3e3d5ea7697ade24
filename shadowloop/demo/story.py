"""The whole loop on the local cloud, told as one story.

A model is trained and serves; the world changes (rain and slower traffic, so
deliveries take longer in a new way); the scheduled drift check notices and starts
retraining on a new dataset version that includes the captured traffic and its
ground truth; the new model runs in shadow, wins on real feedback and is promoted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from infra.config import Config
from lambdas.shared import endpoint_state, registry
from shadowloop.demo import traffic
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.ops import datasets, localserver, pipeline
from shadowloop.ops.api import ApiClient

Step = Callable[[str], None]


@dataclass(frozen=True)
class UseCase:
    """The data a story runs on."""

    name: str
    config: Config
    training: pd.DataFrame
    calm_traffic: pd.DataFrame
    drifted_traffic: pd.DataFrame | None
    """None: no change to tell, so the story ends once the first model is judged."""
    shadow_traffic: pd.DataFrame | None
    change: str


@dataclass
class Story:
    """What happened, gathered as it happens (report.py turns it into files)."""

    use_case: str
    predictions_served: int = 0
    feedback_sent: int = 0
    dataset_versions: list[dict[str, Any]] | None = None
    pipeline_runs: list[dict[str, Any]] | None = None
    drift_checks: list[dict[str, Any]] | None = None
    promotions: list[dict[str, Any]] | None = None
    endpoint: dict[str, Any] | None = None
    served_by: dict[str, Any] | None = None
    traffic_rmse: dict[str, float] | None = None
    first_gate: dict[str, Any] | None = None
    """The gate's answer on the first model: decision, reason and the fairness verdict."""
    candidate_fairness: list[dict[str, Any]] | None = None
    """Per run with a bias report: the candidate's per-group holdout figures (loan story)."""
    live_fairness: dict[str, Any] | None = None
    """The quality check's live per-group figures on the serving model (loan story)."""
    approval: dict[str, Any] | None = None
    """A manual approval decision recorded on the serving package (loan story)."""
    explained: dict[str, Any] | None = None
    """One prediction's audit record and its replay on the registered artifact (loan story)."""


def run(use_case: UseCase, *, workdir: Path, step: Step) -> Story:
    """Run the story on a fresh local cloud and return what happened."""
    story = Story(use_case=use_case.name, traffic_rmse={})
    spec = use_case.config.model
    step("starting the local cloud (synthesized stacks on moto)")
    with LocalCloud(workdir=workdir, config=use_case.config) as cloud:
        server, api_url = localserver.serve_api(cloud, port=0)
        try:
            target = localserver.target_for(cloud, api_url=api_url)
            api = ApiClient(api_url)
            send = sender(api, story, [*spec.feature_names, *spec.attributes], spec.target, step)

            step(f"1. pushing {len(use_case.training)} rows of training data")
            datasets.push_bytes(
                target, csv_bytes(use_case.training), spec.dataset, name="training", source="demo"
            )
            step("2. the pipeline trains, evaluates and registers v1; it goes to production")
            first = pipeline.follow(
                target, pipeline.start(target, spec.dataset), on_state=lambda s: step(f"     {s}")
            )
            gate = (first.output or {}).get("gate") or {}
            story.first_gate = {
                "decision": gate.get("decision"),
                "reason": gate.get("reason"),
                "fairness": gate.get("fairness"),
            }
            if first.result == "rejected":
                # A legitimate ending: the gate kept a model that fails its limits out.
                step(f"   the gate rejected v1: {first.reason}")
                gather(cloud, target, story, api)
                return story
            if first.result != "registered":
                raise RuntimeError(f"the first run did not register a model: {first.reason}")
            step(f"   the gate passed v1: {gate.get('reason')}")

            hour = Hour(cloud, step)
            step(
                f"3. an hour of ordinary traffic: {len(use_case.calm_traffic)} requests, "
                "with feedback"
            )
            hour.passes(lambda: send("calm", use_case.calm_traffic))
            if use_case.drifted_traffic is None or use_case.shadow_traffic is None:
                step("   no change to tell (no --shift): the story ends with v1 serving")
                gather(cloud, target, story, api)
                return story
            drifted_traffic, shadow_traffic = use_case.drifted_traffic, use_case.shadow_traffic
            step("   the scheduled drift check found nothing to do")

            step(f"4. {use_case.change}: an hour of {len(drifted_traffic)} requests, with feedback")
            hour.passes(lambda: send("drifted", drifted_traffic))
            check = reports(cloud, "monitoring/drift/reports/")[-1]
            drifted = sorted(n for n, f in check.get("features", {}).items() if f.get("drifted"))
            step(
                f"   drift check: drifted {bool(check.get('drifted'))}, features "
                f"{', '.join(drifted) or 'none'} (share {check.get('drift_share', 0):.2f})"
            )
            retrain = _drift_run(cloud)
            if retrain is None:
                step("   the drift check started no retraining")
            else:
                step(f"5. the drift check started retraining: {retrain.name}")
                for state in _states(cloud, retrain.arn):
                    step(f"     {state}")
                step(f"   run {retrain.status.lower()}")

            step(
                f"6. an hour of {len(shadow_traffic)} more requests: the shadow model "
                "answers too; then the promotion check compares the two"
            )
            hour.passes(lambda: send("shadow", shadow_traffic))
            promotions = reports(cloud, "monitoring/promotion/")
            if promotions:
                last = promotions[-1]
                step(f"   promotion check: {last.get('decision')} ({last.get('reason')})")

            gather(cloud, target, story, api)
        finally:
            server.shutdown()
    return story


def sender(api: ApiClient, story: Story, features: list[str], target: str, step: Step) -> Any:
    def send(label: str, frame: pd.DataFrame) -> None:
        result = traffic.send(api, frame, features=features, target=target)
        story.predictions_served += result.predictions
        story.feedback_sent += result.feedback
        assert story.traffic_rmse is not None
        story.traffic_rmse[label] = result.rmse
        step(
            f"     served {result.predictions} predictions (rmse {result.rmse:.2f} on the "
            f"feedback), {result.feedback} outcomes sent back"
        )

    return send


class Hour:
    """Simulated time: traffic flows during an hour, and the hourly schedules fire at its end."""

    def __init__(self, cloud: LocalCloud, step: Step) -> None:
        assert cloud.scheduler is not None
        self.scheduler = cloud.scheduler
        self.step = step
        self.scheduler.now = self.scheduler.now.replace(minute=0)

    def passes(self, traffic: Callable[[], None]) -> None:
        self._advance(timedelta(minutes=5))
        traffic()
        self._advance(timedelta(minutes=55))

    def _advance(self, delta: timedelta) -> None:
        # The story shows the hourly checks; the weekly retrain is left to its own schedule.
        for firing in self.scheduler.advance(delta, only=lambda r: "retrain" not in r.name):
            self.step(f"     {firing.at:%H:%M} {firing.rule} ran")


def _drift_run(cloud: LocalCloud) -> Any:
    sfn = cloud.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=cloud.output("StateMachineArn"))["executions"]
    drift = [e for e in executions if e["name"].startswith("drift-")]
    if not drift:
        return None
    return cloud.wait(drift[0]["executionArn"])


def _states(cloud: LocalCloud, execution_arn: str) -> list[str]:
    events = cloud.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=1000
    )["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")
    ]


def gather(cloud: LocalCloud, target: Any, story: Story, api: ApiClient) -> None:
    """Read the outcome back from the cloud itself: S3, the registry, the endpoint."""
    # A promotion at the last check is an endpoint update still in flight: let it land.
    cloud.settle_endpoints()
    spec = cloud.config.model
    sagemaker = cloud.client("sagemaker")
    story.dataset_versions = [
        {"dataset": v.dataset, "version_id": v.version_id, "source": v.source}
        for v in reversed(datasets.versions(target, spec.dataset))
    ]
    story.pipeline_runs = pipeline_runs(cloud)
    story.drift_checks = reports(cloud, "monitoring/drift/reports/")
    story.promotions = [promotion_entry(r) for r in reports(cloud, "monitoring/promotion/")]
    state = endpoint_state.describe(sagemaker, cloud.output("EndpointName"))
    story.endpoint = {
        "production": {"model_package_arn": state.champion.model_package_arn} if state else None,
        "shadow": {"model_package_arn": state.challenger.model_package_arn}
        if state and state.challenger
        else None,
    }
    if state is not None:
        # GET /model reads the endpoint now; /predict names its model from a short-lived cache.
        production = api.model()["production"]
        story.served_by = {
            "model_package_arn": production["model_package_arn"],
            "model_version": production["version"],
            "variant": production["variant"],
            "fairness": production.get("fairness"),
        }
    for run in story.pipeline_runs:
        arn = run.get("model_package_arn")
        if arn:
            lineage = registry.describe_lineage(sagemaker, arn)
            run["model_version"] = lineage["version"]
            run["approval_status"] = lineage["approval_status"]


def pipeline_runs(cloud: LocalCloud) -> list[dict[str, Any]]:
    sfn = cloud.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=cloud.output("StateMachineArn"))["executions"]
    runs = []
    for execution in sorted(executions, key=lambda e: e["startDate"]):
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        outcome = pipeline.outcome(described)
        output = outcome.output or {}
        run_input = json.loads(described.get("input") or "{}")
        gate = output.get("gate") or {}
        runs.append(
            {
                "run_id": described["name"],
                "trigger": run_input.get("trigger"),
                "status": described["status"],
                "result": outcome.result,
                "version_id": (output.get("data") or {}).get("version_id"),
                "model_package_arn": outcome.model_package_arn,
                "gate": gate.get("decision"),
                "gate_reason": gate.get("reason"),
                "fairness": gate.get("fairness"),
                "metrics": {
                    "metric": gate.get("metric"),
                    "candidate": gate.get("candidate"),
                    "champion": gate.get("champion"),
                },
                "reason": outcome.reason,
            }
        )
    return runs


def reports(cloud: LocalCloud, prefix: str) -> list[dict[str, Any]]:
    s3 = cloud.client("s3")
    bucket = cloud.output("ArtifactBucketName")
    keys = sorted(
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
        if item["Key"].endswith(".json")
    )
    return [json.loads(s3.get_object(Bucket=bucket, Key=k)["Body"].read()) for k in keys]


def promotion_entry(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "from": (report.get("champion") or {}).get("model_package_arn"),
        "to": (report.get("challenger") or {}).get("model_package_arn"),
        "decision": report.get("decision"),
        "reason": report.get("reason"),
        "evidence": {
            "labelled": report.get("labelled"),
            "agreement": report.get("agreement"),
            "champion": report.get("champion"),
            "challenger": report.get("challenger"),
        },
    }


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()
