"""Cold import of every Lambda handler: median of fresh interpreters, as on Lambda and locally.

    .venv/bin/python bench/cold_start.py [--runs 5] [--only api]

One JSON line per handler, then a summary line. "lambda" imports with the variables the
Lambda runtime sets (``LAMBDA_TASK_ROOT`` turns Powertools' Tracer on, and the X-Ray SDK
takes its Lambda path); "local" imports as tests and the local cloud do, where the Tracer
is off but the X-Ray SDK, outside Lambda, builds its sampling-rule clients at import.
Interpreter start-up is left out: the figure is what importing the handler module costs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ".venv/bin/python bench/cold_start.py"
TARGET_MS = 300
_PROBE = """
import importlib, sys, time
wall, cpu = time.perf_counter(), time.process_time()
importlib.import_module(sys.argv[1])
print((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)
"""
# Set by the Lambda runtime; absent from the local environment.
_LAMBDA_VARIABLES = ("LAMBDA_TASK_ROOT", "AWS_LAMBDA_FUNCTION_NAME", "AWS_EXECUTION_ENV")


def handlers() -> list[str]:
    """Every ``lambdas.<function>.handler`` module, by function name."""
    return sorted(path.parent.name for path in (ROOT / "lambdas").glob("*/handler.py"))


def environments(task_root: str) -> dict[str, dict[str, str]]:
    local = {k: v for k, v in os.environ.items() if k not in _LAMBDA_VARIABLES}
    local |= {"PYTHONPATH": str(ROOT)}
    on_lambda = local | {
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "cold-start-bench",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    }
    return {"lambda": on_lambda, "local": local}


def cold_import(module: str, env: dict[str, str], runs: int) -> dict[str, float]:
    """Median wall-clock and CPU ms of importing ``module`` in ``runs`` fresh interpreters.

    One more interpreter runs first, uncounted, so that every run reads compiled bytecode,
    as a Lambda does from its layers.
    """
    wall, cpu = [], []
    for _ in range(runs + 1):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, module],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        ).stdout.split()
        wall.append(float(out[0]))
        cpu.append(float(out[1]))
    wall, cpu = wall[1:], cpu[1:]
    return {"ms": round(statistics.median(wall)), "cpu_ms": round(statistics.median(cpu))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters per handler")
    parser.add_argument("--only", action="append", metavar="FUNCTION", help="(repeatable)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    names = args.only or handlers()
    results = {}
    with tempfile.TemporaryDirectory() as task_root:
        envs = environments(task_root)
        for name in names:
            module = f"lambdas.{name}.handler"
            timings = {where: cold_import(module, env, args.runs) for where, env in envs.items()}
            results[name] = timings
            print(json.dumps({"handler": module, "runs": args.runs, **timings}), flush=True)
    slowest = max(results, key=lambda n: results[n]["lambda"]["ms"])
    summary = {
        "summary": COMMAND,
        "handlers": len(results),
        "runs": args.runs,
        "target_ms": TARGET_MS,
        "slowest": f"lambdas.{slowest}.handler",
        "lambda_max_ms": results[slowest]["lambda"]["ms"],
        "lambda_median_ms": round(statistics.median(r["lambda"]["ms"] for r in results.values())),
        "local_median_ms": round(statistics.median(r["local"]["ms"] for r in results.values())),
        "over_target": sorted(n for n, r in results.items() if r["lambda"]["ms"] > TARGET_MS),
        "load_average": round(os.getloadavg()[0], 1),
        "cores": os.cpu_count(),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
