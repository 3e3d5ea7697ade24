"""Imports run one way: the CLI uses the core, never the core the CLI."""

import ast
from pathlib import Path

import pytest

from infra.config import ROOT

CORE = ("shadowloop/ops", "shadowloop/localcloud", "shadowloop/demo")


def _modules() -> list[Path]:
    return sorted(path for place in CORE for path in (ROOT / place).rglob("*.py"))


def _imported(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_every_core_place_has_modules():
    assert {p.relative_to(ROOT).parts[1] for p in _modules()} == {"ops", "localcloud", "demo"}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_core_module_imports_the_cli(path):
    names = _imported(ast.parse(path.read_text(), filename=str(path)))

    assert [n for n in names if n == "shadowloop.cli" or n.startswith("shadowloop.cli.")] == []


def test_the_check_sees_an_import_of_the_cli():
    tree = ast.parse(
        "from shadowloop.cli.common import console\n"
        "def f():\n    from shadowloop import cli\n    import shadowloop.cli.main\n"
    )

    assert [n for n in _imported(tree) if n.startswith("shadowloop.cli")] == [
        "shadowloop.cli.common",
        "shadowloop.cli.common.console",
        "shadowloop.cli",
        "shadowloop.cli.main",
    ]
