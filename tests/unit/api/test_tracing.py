"""Every handler keeps X-Ray tracing on Lambda and patches only botocore, for a cheap cold start.

Outside Lambda, where tracing is off, the X-Ray SDK is never imported (its recorder builds
a botocore client at import).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HANDLERS = sorted(p.parent.name for p in (ROOT / "lambdas").glob("*/handler.py"))
# Imported as the Lambda runtime would: LAMBDA_TASK_ROOT is what turns tracing on.
PROBE = """
import importlib, json, sys
from aws_xray_sdk.core import patcher
tracers = {n: importlib.import_module(f"lambdas.{n}.handler").tracer for n in sys.argv[1:]}
print(json.dumps({"patched": sorted(patcher._PATCHED_MODULES),
                  "disabled": sorted(n for n, t in tracers.items() if t.disabled),
                  "providers": sorted({type(t.provider).__name__ for t in tracers.values()})}))
"""
LOCAL_PROBE = """
import importlib, json, sys
handlers = [importlib.import_module(f"lambdas.{n}.handler") for n in sys.argv[1:]]
loaded = sorted(m for m in ("aws_xray_sdk.core",) if m in sys.modules)
print(json.dumps({"loaded": loaded, "enabled": sorted(h.__name__ for h in handlers
                                                      if not h.tracer.disabled)}))
"""


def test_handlers_trace_aws_calls_and_patch_nothing_else(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *HANDLERS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"LAMBDA_TASK_ROOT": str(tmp_path), "AWS_LAMBDA_FUNCTION_NAME": "probe", "PATH": ""},
    )

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert len(HANDLERS) == 12
    assert seen == {"patched": ["botocore"], "disabled": [], "providers": ["AsyncAWSXRayRecorder"]}


def test_outside_lambda_no_handler_loads_the_xray_sdk():
    result = subprocess.run(
        [sys.executable, "-c", LOCAL_PROBE, *HANDLERS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"PATH": ""},
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"loaded": [], "enabled": []}
