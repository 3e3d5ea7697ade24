"""The scheduled promotion check: compare challenger and champion, then act and report."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.promotion_check import decision as decisions
from lambdas.promotion_check.evidence import variant_health
from lambdas.promotion_check.settings import PromotionSettings
from lambdas.promotion_check.window import Window, gather
from lambdas.shared import endpoint_state
from lambdas.shared.endpoint_state import CHALLENGER, CHAMPION, EndpointState
from lambdas.shared.quality import look_alpha

logger = logging.getLogger(__name__)

REPORT_PREFIX = "monitoring/promotion"
# Each hour of a challenger's shadow life counts as one look (the schedule is hourly).
LOOK_PERIOD = timedelta(hours=1)

DeployInvoker = Callable[[dict[str, Any]], dict[str, Any]]


class DeployFailed(RuntimeError):
    """The deploy function answered a promote or retire with an error."""


class DeployBusy(DeployFailed):
    """The endpoint was being changed, so the deploy function refused to change it."""


@dataclass(frozen=True)
class Clients:
    sagemaker: Any
    s3: Any
    cloudwatch: Any
    dynamodb: Any


def check_promotion(
    clients: Clients,
    config: PromotionSettings,
    invoke_deploy: DeployInvoker,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Decide promote, retire or wait for the challenger, act on it, and write the report."""
    now = now or datetime.now(UTC)
    state = endpoint_state.describe(clients.sagemaker, config.endpoint_name)
    if state is None or state.challenger is None:
        reason = "no endpoint" if state is None else "no challenger in shadow"
        return {"decision": decisions.NONE, "reason": reason, "endpoint_name": config.endpoint_name}
    report = compare(clients, config, state, now)
    action = report["decision"]
    if action in (decisions.PROMOTE, decisions.RETIRE):
        try:
            report["evidence"]["deployment"] = invoke_deploy({"action": action})
        except DeployBusy as exc:
            # A change started since the comparison; the next check decides again.
            report["decision"] = decisions.WAIT
            report["reason"] = f"{action} deferred, the endpoint is busy: {exc}"
    key = f"{REPORT_PREFIX}/{now:%Y%m%dT%H%M%SZ}.json"
    clients.s3.put_object(
        Bucket=config.artifact_bucket,
        Key=key,
        Body=json.dumps(report, indent=2, default=str).encode(),
        ContentType="application/json",
    )
    report["report_uri"] = f"s3://{config.artifact_bucket}/{key}"
    logger.info("promotion check: %s (%s)", action, report["reason"])
    return report


def compare(
    clients: Clients, config: PromotionSettings, state: EndpointState, now: datetime
) -> dict[str, Any]:
    """The comparison report for the current challenger, with the decision it supports."""
    spec = config.model_spec
    start = clients.sagemaker.describe_endpoint_config(
        EndpointConfigName=state.endpoint_config_name
    )["CreationTime"]
    window = Window(
        state.endpoint_config_name, start, now, timedelta(hours=config.label_horizon_hours)
    )
    evidence = gather(clients, config, window)
    tally = evidence.tally
    labelled = tally.labelled
    enough = labelled >= config.min_labelled
    metric = {v: tally.score(spec.metric, v) if enough else None for v in (CHAMPION, CHALLENGER)}
    look = max(1, math.ceil((now - start) / LOOK_PERIOD))
    differences = tally.paired_differences()
    paired = (
        decisions.Paired(differences, look_alpha(config.alpha, look))
        if differences is not None and enough
        else None
    )
    health = variant_health(
        clients.cloudwatch, config.endpoint_name, [CHAMPION, CHALLENGER], start, now
    )
    verdict = decisions.decide(
        champion_metric=metric[CHAMPION],
        challenger_metric=metric[CHALLENGER],
        direction=spec.direction,
        labelled=labelled,
        min_labelled=config.min_labelled,
        margin=config.margin,
        champion_error_rate=health[CHAMPION].error_rate,
        challenger_error_rate=health[CHALLENGER].error_rate,
        paired=paired,
    )
    if evidence.catching_up:
        verdict = decisions.Decision(
            decisions.WAIT,
            f"counting the hours since the deploy, up to {evidence.folded_until:%Y-%m-%dT%H:%MZ} "
            f"so far; {verdict.decision} waits for the rest: {verdict.reason}",
        )
    if verdict.decision != decisions.WAIT and state.status != "InService":
        verdict = decisions.Decision(
            decisions.WAIT,
            f"endpoint is {state.status}; {verdict.decision} deferred: {verdict.reason}",
        )
    verdict = _approval_rules(clients.sagemaker, state.challenger.model_package_arn, verdict)
    packages = {CHAMPION: state.champion, CHALLENGER: state.challenger}
    return {
        "decision": verdict.decision,
        "reason": verdict.reason,
        "endpoint_name": config.endpoint_name,
        "checked_at": now.isoformat(),
        **{
            v: {
                "model_package_arn": packages[v].model_package_arn,
                "metric": metric[v],
                "error_rate": health[v].error_rate,
                "latency_p99": health[v].latency_p99,
            }
            for v in (CHAMPION, CHALLENGER)
        },
        "labelled": labelled,
        "agreement": tally.agreement,
        "evidence": {
            "metric": spec.metric,
            "direction": spec.direction,
            "margin": config.margin,
            "min_labelled": config.min_labelled,
            "look": look,
            "paired_bound": None
            if paired is None
            else {
                "alpha": paired.alpha,
                "loss_difference": paired.differences.to_dict(),
                "lower": paired.lower,
                "upper": paired.upper,
            },
            "endpoint_config_name": state.endpoint_config_name,
            "window_start": start.isoformat(),
            "window_end": now.isoformat(),
            "label_horizon_hours": config.label_horizon_hours,
            "folded_until": evidence.folded_until.isoformat(),
            "folded_now": evidence.saved,
            "catching_up": evidence.catching_up,
            "captured": tally.captured,
            "paired": tally.paired,
            "feedback": evidence.feedback,
            "records_skipped": evidence.skipped.count,
            "skipped_reasons": evidence.skipped.reasons,
            "health": {v: asdict(health[v]) for v in health},
            "latency_unit": "ms",
        },
    }


def _approval_rules(
    sagemaker: Any, model_package_arn: str | None, verdict: decisions.Decision
) -> decisions.Decision:
    """A person's decision on the challenger's package comes first (``approval: manual``):
    a package still pending approval is never promoted, and a rejected one leaves shadow."""
    if not model_package_arn or verdict.decision not in (decisions.PROMOTE, decisions.WAIT):
        return verdict
    status = sagemaker.describe_model_package(ModelPackageName=model_package_arn).get(
        "ModelApprovalStatus"
    )
    if status == "Rejected":
        return decisions.Decision(decisions.RETIRE, f"its package was rejected: {verdict.reason}")
    if status != "Approved" and verdict.decision == decisions.PROMOTE:
        return decisions.Decision(
            decisions.WAIT, f"awaiting approval of its package ({status}): {verdict.reason}"
        )
    return verdict


def lambda_invoker(lambda_client: Any, function_name: str) -> DeployInvoker:
    """Invoke the deploy function synchronously; its error becomes :class:`DeployFailed`."""

    def invoke(payload: dict[str, Any]) -> dict[str, Any]:
        response = lambda_client.invoke(
            FunctionName=function_name, Payload=json.dumps(payload).encode()
        )
        body = response["Payload"].read()
        answer = json.loads(body) if body else {}
        if response.get("FunctionError"):
            error = answer if isinstance(answer, dict) else {}
            failure = DeployBusy if error.get("errorType") == "EndpointBusy" else DeployFailed
            raise failure(
                f"{function_name} {payload.get('action')} failed: "
                f"{error.get('errorType', 'Error')}: {error.get('errorMessage', body[:200])}"
            )
        return answer

    return invoke
