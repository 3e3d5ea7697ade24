"""The handler imports without the heavy libraries the Lambda asset does not ship."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pydantic", "numpy", "pandas", "sklearn", "sagemaker")


def test_importing_the_handler_pulls_in_no_heavy_library():
    probe = (
        "import sys, lambdas.api.handler; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()

    assert loaded == ""
