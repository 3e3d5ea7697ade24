"""The ``shadowloop`` group: every command listed, each loaded only when it is used."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from shadowloop.cli.main import _COMMANDS, cli


def test_help_lists_every_command_with_its_summary():
    printed = CliRunner().invoke(cli, ["--help"])

    assert printed.exit_code == 0
    listed = printed.output.split("Commands:")[1].split()
    assert set(_COMMANDS) <= set(listed)
    assert "Summarise DATA.csv into a drift baseline" in printed.output


def test_every_command_loads_under_its_own_name():
    for name in _COMMANDS:
        assert cli.get_command(None, name).name == name


def test_starting_the_command_imports_no_command_module():
    probe = (
        "import sys, shadowloop.cli.main; "
        "print(sorted(m for m in sys.modules if m.startswith(('pandas', 'shadowloop.cli.'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout

    assert loaded.strip() == "['shadowloop.cli.common', 'shadowloop.cli.main']"
