"""How a finished run reads to a user: registered, rejected or failed, and an unsent notice."""

from __future__ import annotations

import json

from click.testing import CliRunner

from shadowloop.cli import common
from shadowloop.cli import pipeline as cli_pipeline
from shadowloop.cli.main import cli
from shadowloop.ops import pipeline

ARN = "arn:aws:states:us-east-1:123456789012:execution:pipeline:manual-1"
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/eta/3"
UNSENT = {"Error": "SNS.InternalErrorException", "Cause": "SNS is down"}


def _succeeded(output: dict) -> dict:
    return {"executionArn": ARN, "status": "SUCCEEDED", "output": json.dumps(output)}


def test_a_deployed_run_whose_notice_failed_is_registered_and_names_snss_error():
    output = {"model_package": {"arn": PACKAGE}, "notification_error": UNSENT}

    result = pipeline.outcome(_succeeded(output))

    assert (result.result, result.model_package_arn) == ("registered", PACKAGE)
    assert result.unsent_notice == "SNS.InternalErrorException: SNS is down"


def test_a_rejected_run_whose_notice_failed_says_so_too():
    output = {"gate": {"decision": "reject", "reason": "worse"}, "notification_error": UNSENT}

    result = pipeline.outcome(_succeeded(output))

    assert (result.result, result.reason) == ("rejected", "worse")
    assert result.unsent_notice.startswith("SNS.InternalErrorException")


def test_a_run_with_its_notice_sent_has_no_unsent_notice():
    result = pipeline.outcome(_succeeded({"model_package": {"arn": PACKAGE}}))

    assert result.unsent_notice is None


def test_train_prints_the_unsent_notice_after_the_package(monkeypatch):
    output = {"model_package": {"arn": PACKAGE}, "notification_error": UNSENT}
    monkeypatch.setattr(common, "resolve", lambda name: _Target())
    monkeypatch.setattr(cli_pipeline.pipeline, "start", lambda *a, **k: ARN)
    monkeypatch.setattr(
        cli_pipeline.pipeline, "follow", lambda *a, **k: pipeline.outcome(_succeeded(output))
    )

    printed = CliRunner().invoke(cli, ["train", "--dataset", "eta"])

    assert printed.exit_code == 0, printed.output
    lines = printed.output.splitlines()
    assert lines[-2] == f"registered {PACKAGE}"
    assert lines[-1] == (
        "the run's notification was not sent: SNS.InternalErrorException: SNS is down"
    )


class _Target:
    config = None
