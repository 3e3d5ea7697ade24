"""Benchmark drift from CSV files end to end: ``shadowloop baseline`` + ``shadowloop drift``
against Evidently's ``DataDriftPreset`` and whylogs reading the same files.

    .venv/bin/python bench/cli_drift_bench.py [--rows 1000000] [--only shadowloop]

One seeded dataset (``drift_bench.make_data``): a reference and a current CSV of ``--rows``
rows × 20 numeric features, the first 8 moved by 0.3 standard deviations in the current
one, written once under ``bench/.data/`` (about 380 MB each at 1M rows, full float
precision). Side by side in one run, each tool in a subprocess as a user would run it:

- shadowloop: the CLI, ``shadowloop baseline reference.csv`` then ``shadowloop drift``;
- Evidently 0.7.23: ``pandas.read_csv`` of both files and ``Report([DataDriftPreset()])``,
  in ``bench/.venv-evidently`` (built on first use, ``pandas<3``);
- whylogs 1.6: ``pandas.read_csv`` and ``why.log`` of both files, then its drift scores
  (``calculate_drift_scores``), in ``bench/.venv-whylogs`` (built on first use).

Each tool's seconds include reading the CSVs; printed with the ratio to shadowloop and the
features each flags as drifted.
"""

from __future__ import annotations

import os

# One thread for every BLAS/OpenMP pool, set before numpy loads.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pyarrow as pa  # noqa: E402
from pyarrow import csv as pacsv  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.drift_bench import make_data  # noqa: E402

COMMAND = ".venv/bin/python bench/cli_drift_bench.py"
DATA = ROOT / "bench" / ".data"
FEATURES = 20
SHIFTED = 8
SEED = 7
TOOLS = ("shadowloop", "evidently", "whylogs")
VENVS = {
    "evidently": (ROOT / "bench" / ".venv-evidently", ["evidently==0.7.23", "pandas<3"]),
    "whylogs": (ROOT / "bench" / ".venv-whylogs", ["whylogs[viz]==1.6.*", "pandas<3"]),
}
# Each prints one JSON line: {"drifted": [feature, ...]}.
EVIDENTLY_SCRIPT = """
import json, sys
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
reference, current = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
result = Report([DataDriftPreset()]).run(current, reference).dict()
drifted = [
    m["config"]["column"] for m in result["metrics"]
    if m["metric_name"].startswith("ValueDrift") and m["value"] >= m["config"].get("threshold", 0.1)
]
print(json.dumps({"drifted": sorted(drifted)}))
"""
WHYLOGS_SCRIPT = """
import json, sys
import pandas as pd
import whylogs as why
from whylogs.viz.drift.column_drift_algorithms import calculate_drift_scores
reference = why.log(pd.read_csv(sys.argv[1])).view()
current = why.log(pd.read_csv(sys.argv[2])).view()
scores = calculate_drift_scores(target_view=current, reference_view=reference, with_thresholds=True)
drifted = [name for name, s in scores.items() if s and s.get("drift_category") == "DRIFT"]
print(json.dumps({"drifted": sorted(drifted)}))
"""


def write_data(rows: int) -> tuple[Path, Path]:
    """The reference and current CSVs of ``rows`` rows, written once per size."""
    folder = DATA / f"rows-{rows}-seed-{SEED}"
    paths = folder / "reference.csv", folder / "current.csv"
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"f{i}" for i in range(FEATURES)]
    for path, data in zip(paths, make_data(rows, FEATURES, SHIFTED, seed=SEED), strict=True):
        table = pa.table({name: data[:, i] for i, name in enumerate(names)})
        partial = path.with_suffix(".partial")
        pacsv.write_csv(table, partial, pacsv.WriteOptions(quoting_style="none"))
        partial.rename(path)
    return paths


def venv_python(tool: str) -> Path | None:
    """The tool's venv interpreter, building the venv with pip on first use."""
    folder, requirements = VENVS[tool]
    python, ready = folder / "bin" / "python", folder / ".installed"
    if ready.exists():
        return python
    print(f"creating {folder.relative_to(ROOT)} ({' '.join(requirements)})…", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    install = [str(python), "-m", "pip", "install", "-q", *requirements]
    if subprocess.run(install).returncode != 0:
        print(f"{tool} could not be installed; skipping it")
        return None
    ready.touch()
    return python


def run_shadowloop(reference: Path, current: Path, folder: Path) -> list[str]:
    cli = [str(ROOT / ".venv" / "bin" / "shadowloop")]
    statistics, report = folder / "statistics.json", folder / "report.json"
    _run([*cli, "baseline", str(reference), "--out", str(statistics)])
    _run([*cli, "drift", str(statistics), str(current), "--out", str(report)])
    return _by_number(json.loads(report.read_text())["drifted_features"])


def run_competitor(tool: str, reference: Path, current: Path) -> list[str] | None:
    python = venv_python(tool)
    if python is None:
        return None
    script = EVIDENTLY_SCRIPT if tool == "evidently" else WHYLOGS_SCRIPT
    out = _run([str(python), "-c", script, str(reference), str(current)])
    return _by_number(json.loads(out.strip().splitlines()[-1])["drifted"])


def _by_number(names: list[str]) -> list[str]:
    """f0, f1, …, f10 in numeric order."""
    return sorted(names, key=lambda name: (len(name), name))


def _run(command: list[str]) -> str:
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=TOOLS, action="append", help="run only these tools")
    args = parser.parse_args(argv)
    tools = args.only or list(TOOLS)
    reference, current = write_data(args.rows)
    for tool in tools:  # build venvs before any timing starts
        if tool != "shadowloop":
            venv_python(tool)
    print(f"{COMMAND} --rows {args.rows}   (load: {os.getloadavg()[0]:.2f})")
    print(f"{args.rows} rows × {FEATURES} features, {SHIFTED} shifted (f0..f{SHIFTED - 1})")
    results: dict[str, tuple[float, list[str] | None]] = {}
    for tool in tools:
        started = time.perf_counter()
        if tool == "shadowloop":
            drifted = run_shadowloop(reference, current, reference.parent)
        else:
            drifted = run_competitor(tool, reference, current)
        results[tool] = (time.perf_counter() - started, drifted)
    ours = results.get("shadowloop", (None, None))[0]
    for tool, (seconds, drifted) in results.items():
        ratio = f"{seconds / ours:6.1f}× shadowloop" if ours else ""
        flagged = "skipped" if drifted is None else f"{len(drifted)}: {', '.join(drifted)}"
        print(f"{tool:<11} {seconds:8.2f} s  {ratio}  drifted {flagged}")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
