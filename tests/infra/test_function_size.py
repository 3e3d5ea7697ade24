"""Infra stays small: no function in infra/ over 60 lines, so stacks only compose."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 60


def test_no_infra_function_is_over_60_lines() -> None:
    # Given every function in infra/ (the state machine's definition is written as one)
    owned = [p for p in (ROOT / "infra").rglob("*.py") if p.name != "training_pipeline.py"]
    # When their lengths are counted
    long = [
        f"{path.relative_to(ROOT)}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in owned
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > LIMIT
    ]
    # Then none is over the limit
    assert long == []
