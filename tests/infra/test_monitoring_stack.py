"""Monitoring stack: schedules, the check roles' narrow permissions, alarms."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

from infra.constructs.monitoring_alarms import CAPTURE_READERS
from tests.infra.conftest import Synthesized, exported, logical_id, render
from tests.infra.test_serving_stack import _actions, _policy_statements


def test_drift_check_runs_on_the_configured_schedule(synthesized: Synthesized) -> None:
    synthesized.template("monitoring").has_resource_properties(
        "AWS::Events::Rule",
        {
            "Name": f"{synthesized.config.prefix}-drift-check",
            "ScheduleExpression": synthesized.config.drift.schedule,
            "Targets": [
                Match.object_like(
                    {"Arn": {"Fn::GetAtt": [Match.string_like_regexp("DriftCheck"), "Arn"]}}
                )
            ],
        },
    )


def test_retrain_schedule_starts_the_pipeline_with_a_schedule_trigger(
    synthesized: Synthesized,
) -> None:
    rules = synthesized.resources("monitoring", "AWS::Events::Rule")
    (retrain,) = [
        r["Properties"]
        for r in rules.values()
        if r["Properties"]["Name"] == f"{synthesized.config.prefix}-retrain"
    ]
    assert retrain["ScheduleExpression"] == synthesized.config.retrain_schedule
    (target,) = retrain["Targets"]
    stack, value = exported(synthesized, render(target["Arn"]))
    machine = logical_id(synthesized, stack, "AWS::StepFunctions::StateMachine")
    assert (stack, value) == (f"{synthesized.config.prefix}-pipeline", {"Ref": machine})
    assert json.loads(target["Input"]) == {
        "dataset": synthesized.config.model.dataset,
        "version_id": None,
        "trigger": "schedule",
    }


def test_drift_role_may_start_only_the_pipeline(synthesized: Synthesized) -> None:
    statements = _policy_statements(synthesized, "monitoring", "DriftCheckRole")
    starting = [s for s in statements if "states:StartExecution" in _actions(s)]
    assert len(starting) == 1
    assert _actions(starting[0]) == ["states:StartExecution"]
    assert render(starting[0]["Resource"]).startswith("<Import:")
    assert not any(s["Resource"] == "*" for s in starting)
    listing = [s for s in statements if "states:ListExecutions" in _actions(s)]
    assert render(listing[0]["Resource"]) == render(starting[0]["Resource"])
    # Metrics leave as EMF log lines, so the role may not call PutMetricData.
    assert not [s for s in statements if "cloudwatch:PutMetricData" in _actions(s)]


def test_monitoring_alarms_notify_the_topic(synthesized: Synthesized) -> None:
    prefix = synthesized.config.prefix
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in synthesized.resources("monitoring", "AWS::CloudWatch::Alarm").values()
    }
    assert set(alarms) == {
        f"{prefix}-pipeline-failed",
        f"{prefix}-dataset-drifted",
        f"{prefix}-drift-check-failing",
        f"{prefix}-quality-degraded",
        f"{prefix}-fairness-breached",
        f"{prefix}-quality-check-failing",
        *(f"{prefix}-records-skipped-{s.replace('_', '-')}" for s in CAPTURE_READERS),
    }
    for alarm in alarms.values():
        (action,) = alarm["AlarmActions"]
        assert render(action).startswith("<Import:")
    drifted = alarms[f"{prefix}-dataset-drifted"]
    assert (drifted["Namespace"], drifted["MetricName"]) == ("shadowloop", "DatasetDrifted")
    assert drifted["Dimensions"] == [{"Name": "service", "Value": "drift_check"}]
    assert alarms[f"{prefix}-pipeline-failed"]["MetricName"] == "ExecutionsFailed"
    degraded = alarms[f"{prefix}-quality-degraded"]
    assert (degraded["MetricName"], degraded["Threshold"]) == ("QualityDegraded", 1)
    assert degraded["Dimensions"] == [{"Name": "service", "Value": "quality_check"}]
    fairness = alarms[f"{prefix}-fairness-breached"]
    assert (fairness["MetricName"], fairness["Threshold"]) == ("FairnessAlarm", 1)
    assert fairness["Dimensions"] == [{"Name": "service", "Value": "quality_check"}]
    for service in CAPTURE_READERS:
        skipped = alarms[f"{prefix}-records-skipped-{service.replace('_', '-')}"]
        assert (skipped["MetricName"], skipped["Statistic"]) == ("RecordsSkipped", "Sum")
        assert skipped["Dimensions"] == [{"Name": "service", "Value": service}]


def test_dashboard_shows_feature_drift_variants_and_pipeline_runs(synthesized: Synthesized) -> None:
    (dashboard,) = synthesized.resources("monitoring", "AWS::CloudWatch::Dashboard").values()
    body = render(dashboard["Properties"]["DashboardBody"])
    for expected in (
        "DriftPsi",
        "DriftShare",
        "ModelLatency",
        "challenger",
        "ExecutionsFailed",
        "LiveMetricLower",
        "LabelsUsed",
    ):
        assert expected in body


def test_quality_check_runs_on_its_schedule_with_the_configured_rule(
    synthesized: Synthesized,
) -> None:
    config = synthesized.config
    template = synthesized.template("monitoring")
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "Name": f"{config.prefix}-quality-check",
            "ScheduleExpression": config.quality.schedule,
            "Targets": [
                Match.object_like(
                    {"Arn": {"Fn::GetAtt": [Match.string_like_regexp("QualityCheck"), "Arn"]}}
                )
            ],
        },
    )
    (function,) = [
        f["Properties"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == "lambdas.quality_check.handler.handler"
    ]
    variables = function["Environment"]["Variables"]
    assert json.loads(variables["QUALITY_RULE"]) == {
        "alpha": config.quality.alpha,
        "tolerance": config.quality.tolerance,
        "min_labels": config.quality.min_labels,
    }
    assert variables["QUALITY_LABEL_DELAY_MINUTES"] == str(config.quality.label_delay_minutes)
    assert variables["QUALITY_COOLDOWN_MINUTES"] == str(config.quality.cooldown_minutes)
    assert render(variables["ALERTS_TOPIC_ARN"]).startswith("<Import:")


def test_quality_role_starts_only_the_pipeline_and_publishes_only_to_the_topic(
    synthesized: Synthesized,
) -> None:
    statements = _policy_statements(synthesized, "monitoring", "QualityCheckRole")
    by_action = {a: s for s in statements for a in _actions(s)}
    assert render(by_action["states:StartExecution"]["Resource"]).startswith("<Import:")
    assert render(by_action["states:ListExecutions"]["Resource"]) == render(
        by_action["states:StartExecution"]["Resource"]
    )
    assert render(by_action["sns:Publish"]["Resource"]).startswith("<Import:")
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= set(by_action)
    writes = [s for s in statements if "s3:PutObject" in _actions(s)]
    assert writes
    assert all("monitoring/quality/*" in json.dumps(s["Resource"]) for s in writes)
    assert "cloudwatch:PutMetricData" not in by_action


def test_quality_role_reads_only_calibrations_among_the_runs_artifacts(
    synthesized: Synthesized,
) -> None:
    statements = _policy_statements(synthesized, "monitoring", "QualityCheckRole")
    reads = [
        json.dumps(s["Resource"])
        for s in statements
        if "s3:GetObject" in _actions(s) and "runs/" in json.dumps(s["Resource"])
    ]
    assert reads
    assert all("runs/*/evaluation/calibration.json" in r for r in reads)
    assert not any('runs/*"' in r for r in reads)
