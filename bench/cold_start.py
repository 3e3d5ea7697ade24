"""Cold import of every Lambda handler: median of fresh interpreters, as on Lambda and locally.

    .venv/bin/python bench/cold_start.py [--runs 5] [--only api] [--against REV]

One JSON line per handler, then a summary line. "lambda" imports with the variables the
Lambda runtime sets (``LAMBDA_TASK_ROOT`` turns Powertools' Tracer on, and the X-Ray SDK
takes its Lambda path); "local" imports as tests and the local cloud do, where the Tracer
is off but the X-Ray SDK, outside Lambda, builds its sampling-rule clients at import.
Interpreter start-up is left out: the figure is what importing the handler module costs.
``--against REV`` also imports each handler as ``lambdas/`` was at git revision REV,
alternating old and new interpreters under the same load, and adds their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ".venv/bin/python bench/cold_start.py"
TARGET_MS = 300
_PROBE = """
import importlib, sys, time
wall, cpu = time.perf_counter(), time.process_time()
module = importlib.import_module(sys.argv[1])
print((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, module.__file__)
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


def cold_import(module: str, envs: list[dict[str, str]], runs: int) -> list[dict[str, float]]:
    """Median wall-clock and CPU ms of importing ``module`` in ``runs`` fresh interpreters.

    With several environments the interpreters alternate between them, so that each sees
    the same load. One more round runs first, uncounted, so that every run reads
    compiled bytecode, as a Lambda does from its layers.
    """
    timings: list[tuple[list[float], list[float]]] = [([], []) for _ in envs]
    for round_ in range(runs + 1):
        for env, (wall, cpu) in zip(envs, timings, strict=True):
            out = _probe(module, env)
            if round_:
                wall.append(float(out[0]))
                cpu.append(float(out[1]))
    return [
        {"ms": round(statistics.median(wall)), "cpu_ms": round(statistics.median(cpu))}
        for wall, cpu in timings
    ]


def _probe(module: str, env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, module],
        capture_output=True,
        text=True,
        env=env,
        cwd=env["PYTHONPATH"],
        check=True,
    ).stdout.split()
    if not out[2].startswith(env["PYTHONPATH"]):  # the tree under test, not an installed one
        raise RuntimeError(f"{module} was imported from {out[2]}, not {env['PYTHONPATH']}")
    return out


def export_tree(revision: str, into: Path) -> Path:
    """``lambdas/`` as it was at ``revision``, written under ``into``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "lambdas"], cwd=ROOT, capture_output=True
    )
    if archive.returncode:
        raise SystemExit(f"--against {revision}: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def measure(module: str, envs: dict[str, dict[str, str]], old_root: Path | None, runs: int):
    """Each environment's timings, and with ``old_root`` the old tree's beside them."""
    timings = {}
    for where, env in envs.items():
        if old_root is None:
            timings[where] = cold_import(module, [env], runs)[0]
            continue
        new, old = cold_import(module, [env, env | {"PYTHONPATH": str(old_root)}], runs)
        ratio = {k: round(new[k] / old[k], 2) for k in ("ms", "cpu_ms")}
        timings[where] = new | {"before": old, "ratio": ratio}
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters per handler")
    parser.add_argument("--only", action="append", metavar="FUNCTION", help="(repeatable)")
    parser.add_argument("--against", metavar="REV", help="git revision to compare with")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    names = args.only or handlers()
    results = {}
    with tempfile.TemporaryDirectory() as task_root, tempfile.TemporaryDirectory() as old:
        envs = environments(task_root)
        old_root = export_tree(args.against, Path(old)) if args.against else None
        for name in names:
            module = f"lambdas.{name}.handler"
            timings = measure(module, envs, old_root, args.runs)
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
        "local_over_target": sorted(n for n, r in results.items() if r["local"]["ms"] > TARGET_MS),
        "load_average": round(os.getloadavg()[0], 1),
        "cores": os.cpu_count(),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
