"""checkov's second opinion on the synthesized templates: no failed check, every skip reasoned."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from tests.infra.conftest import Synthesized

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".checkov.yaml"
SCAN = ROOT / ".ci" / "checkov"
# "  - CKV_AWS_18  # reason": one skipped check ID per line, its reason in the comment.
SKIP_LINE = re.compile(r"^\s*-\s*(?P<check>CKV2?_[A-Z0-9_]+)\s*(?:#\s*(?P<reason>.*))?$")


def skip_reasons() -> dict[str, str]:
    """The reason beside each skipped check ID in .checkov.yaml ('' where there is none)."""
    lines = CONFIG.read_text().splitlines()
    start = lines.index("skip-check:") + 1
    found = {}
    for line in lines[start:]:
        if not line.startswith((" ", "\t", "-")):
            break
        if match := SKIP_LINE.match(line):
            found[match["check"]] = (match["reason"] or "").strip()
    return found


def test_every_skipped_check_has_a_reason() -> None:
    skipped = yaml.safe_load(CONFIG.read_text())["skip-check"]
    reasons = skip_reasons()
    assert sorted(reasons) == sorted(skipped), "a skip-check entry is not one 'ID  # reason' line"
    assert [check for check, reason in reasons.items() if not reason] == []


def test_checkov_finds_nothing_unreasoned(synthesized: Synthesized) -> None:
    # Given the four templates of one synthesis
    templates = sorted(str(p) for p in synthesized.outdir.glob("*.template.json"))
    assert len(templates) == len(synthesized.stacks)
    # When checkov scans them with the skips of .checkov.yaml
    scan = subprocess.run(
        [str(SCAN), "--output", "json", "--soft-fail", *templates],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(scan.stdout)
    # Then it parsed every template, ran checks on them, and none failed
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 0
    assert summary["resource_count"] > 0
