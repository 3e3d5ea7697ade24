"""The run input and step results: built by the contract, and their keys written once."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lambdas.register_model.package import Candidate, RegistrationRefused
from lambdas.shared import retraining
from lambdas.shared.contracts import run_input, steps
from tests.unit.pipeline.data import SPEC
from tests.unit.pipeline.test_register_request import state

ROOT = Path(__file__).resolve().parents[3]


def test_build_and_parse_round_trip_with_every_key_present() -> None:
    built = run_input.build("delivery-eta")

    assert json.loads(built.to_json()) == {
        "dataset": "delivery-eta",
        "version_id": None,
        "trigger": "manual",
    }
    assert run_input.parse(json.loads(built.to_json())) == built


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"dataset": "d", "version_id": None}, "run input: trigger is missing"),
        ({"dataset": "d", "version_id": None, "trigger": "x"}, "trigger 'x' is not one of"),
        ({"dataset": "", "version_id": None, "trigger": "manual"}, "dataset must be"),
        ({"dataset": "d", "version_id": 7, "trigger": "manual"}, "version_id must be"),
        ({"dataset": "d", "version_id": None, "trigger": "drift", "v": 1}, "v is not a run"),
        (["d"], "must be a JSON object"),
    ],
)
def test_a_bad_run_input_is_refused_in_one_line(document: object, message: str) -> None:
    with pytest.raises(run_input.RunInputInvalid, match=re.escape(message)) as raised:
        run_input.parse(document)

    assert "\n" not in str(raised.value)


class _StepFunctions:
    """Records start_execution; a check's guarded start calls nothing else here."""

    class exceptions:  # noqa: N801 - boto3's attribute name
        class ExecutionAlreadyExists(Exception):
            pass

    def __init__(self) -> None:
        self.started: list[dict[str, str]] = []

    def start_execution(self, **request: str) -> dict[str, str]:
        self.started.append(request)
        return {"executionArn": "arn:execution"}


def test_a_checks_run_starts_with_the_contracts_input() -> None:
    client = _StepFunctions()

    retraining.start(client, "arn:sm", "delivery-eta", "quality", datetime(2026, 1, 2, tzinfo=UTC))

    body = json.loads(client.started[0]["input"])
    assert run_input.parse(body) == run_input.build("delivery-eta", None, "quality")


def test_a_step_answer_refuses_a_missing_or_unknown_key() -> None:
    with pytest.raises(KeyError, match="uri"):
        steps.COMPUTE_BASELINE.answer()
    with pytest.raises(KeyError, match="extra"):
        steps.COMPUTE_BASELINE.answer(uri="s3://b/k", extra=1)


def test_register_reads_source_uri_and_evaluation_uri_from_the_run_state() -> None:
    event = state()
    candidate = Candidate.from_event(event, SPEC, "data")

    assert candidate.dataset_uri == event["data"]["source_uri"]
    assert candidate.evaluation_uri == event["evaluation_uri"]
    for missing in ("source_uri", "evaluation_uri"):
        broken = state()
        (broken["data"] if missing == "source_uri" else broken).pop(missing)
        with pytest.raises(RegistrationRefused, match=missing):
            Candidate.from_event(broken, SPEC, "data")


def _contract_keys() -> set[str]:
    keys = set(run_input.KEYS)
    for step in steps.LAMBDA_STEPS:
        keys |= set(step.kept or ())
    return keys


def _sources() -> dict[str, str]:
    tracked = subprocess.run(
        ["git", "ls-files", "lambdas", "infra", "shadowloop"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {
        p: (ROOT / p).read_text()
        for p in tracked
        if p.endswith(".py") and not p.startswith("lambdas/shared/contracts/")
    }


def test_state_paths_to_run_input_and_step_keys_are_written_only_in_the_contracts() -> None:
    sources = _sources()
    for key in sorted(_contract_keys()):
        # "$.version_id", "$.data.version_id", "$.Payload.version_id", ...
        path = re.compile(rf'"\$(\.\w+)*\.{key}"')
        assert not sorted(p for p, text in sources.items() if path.search(text)), key


def test_the_run_input_is_built_only_by_its_contract() -> None:
    literal = re.compile(r'\{\s*"dataset":[^{}]*"version_id":[^{}]*"trigger":', re.S)

    assert not sorted(p for p, text in _sources().items() if literal.search(text))
