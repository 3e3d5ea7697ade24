"""Benchmark drift from CSV files end to end: ``shadowloop baseline`` + ``shadowloop drift``
against Evidently's ``DataDriftPreset`` and whylogs reading the same files.

    .venv/bin/python bench/cli_drift_bench.py [--rows 1000000] [--only shadowloop]
    .venv/bin/python bench/cli_drift_bench.py --compute-baseline 2000000

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

``--compute-baseline N`` instead times the ComputeBaseline step on moto S3 over an N-row
delivery snapshot (5 columns, about 30 bytes a row): the pyarrow reader it uses against
the csv-module reader it used, side by side, and checks the two documents are identical.
"""

from __future__ import annotations

import os

# One thread for every BLAS/OpenMP pool, set before numpy loads.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
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
SNAPSHOT_SPEC = {
    "dataset": "delivery-eta",
    "target": "delivery_minutes",
    "task": "regression",
    "metric": "rmse",
    "direction": "minimize",
    "segment": "city_zone",
    "features": [
        {"name": "distance_km", "type": "numeric", "critical": True},
        {"name": "hour", "type": "numeric", "critical": False},
        {"name": "city_zone", "type": "categorical", "critical": False},
    ],
}
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _by_number(names: list[str]) -> list[str]:
    """f0, f1, …, f10 in numeric order."""
    return sorted(names, key=lambda name: (len(name), name))


def _run(command: list[str]) -> str:
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def snapshot_csv(rows: int) -> bytes:
    """A delivery snapshot as the pipeline's ComputeBaseline reads it."""
    rng = np.random.default_rng(SEED)
    table = pa.table(
        {
            "distance_km": rng.gamma(4, 1.5, rows).round(3),
            "hour": rng.integers(0, 24, rows),
            "city_zone": pa.array(rng.choice(["n", "s", "e", "w"], rows)),
            "extra_note": pa.array(np.full(rows, "x")),
            "delivery_minutes": rng.integers(10, 90, rows),
        }
    )
    out = pa.BufferOutputStream()
    pacsv.write_csv(table, out, pacsv.WriteOptions(quoting_style="none"))
    return out.getvalue().to_pybytes()


def compute_baseline_bench(rows: int) -> None:
    import boto3
    from moto import mock_aws

    from lambdas.compute_baseline import baseline as step
    from lambdas.shared import csvtext
    from lambdas.shared.drift import build_baseline, iter_csv_chunks
    from lambdas.shared.settings import ModelSpec

    spec = ModelSpec.from_dict(SNAPSHOT_SPEC)
    body = snapshot_csv(rows)
    uri = "s3://data/snapshot.csv"
    print(f"{COMMAND} --compute-baseline {rows}   (load: {os.getloadavg()[0]:.2f})")
    print(f"snapshot: {rows} rows, {len(body) / 1e6:.0f} MB")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in ("data", "artifacts"):
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket="data", Key="snapshot.csv", Body=body)
        started = time.perf_counter()
        out = step.compute_baseline(
            s3, run_id="bench", snapshot_uri=uri, artifact_bucket="artifacts", spec=spec
        )
        new_seconds = time.perf_counter() - started
        stored = s3.get_object(Bucket="artifacts", Key=out.split("/", 3)[3])["Body"].read()
        started = time.perf_counter()
        source = s3.get_object(Bucket="data", Key="snapshot.csv")["Body"]
        chunks = iter_csv_chunks(csvtext.lines(source))
        old = build_baseline(chunks, spec.features, target=spec.target)
        old_seconds = time.perf_counter() - started
    old["dataset"]["snapshot_uri"] = uri
    same = stored == json.dumps(old, separators=(",", ":")).encode()
    print(f"pyarrow reader    {new_seconds:7.2f} s")
    print(f"csv-module reader {old_seconds:7.2f} s  ({old_seconds / new_seconds:.1f}× slower)")
    print(f"documents identical: {same}; load after: {os.getloadavg()[0]:.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=TOOLS, action="append", help="run only these tools")
    parser.add_argument("--compute-baseline", type=int, metavar="N", help="see the docstring")
    args = parser.parse_args(argv)
    if args.compute_baseline:
        compute_baseline_bench(args.compute_baseline)
        return
    tools = args.only or list(TOOLS)
    reference, current = write_data(args.rows)
    for tool in tools:  # build venvs before any timing starts
        if tool != "shadowloop":
            venv_python(tool)
    print(f"{COMMAND} --rows {args.rows}   (load: {os.getloadavg()[0]:.2f})")
    print(f"{args.rows} rows × {FEATURES} features, {SHIFTED} shifted (f0..f{SHIFTED - 1})")
    results: dict[str, tuple[float, float, list[str] | None]] = {}
    for tool in tools:
        started, cpu = time.perf_counter(), _children_cpu()
        if tool == "shadowloop":
            drifted = run_shadowloop(reference, current, reference.parent)
        else:
            drifted = run_competitor(tool, reference, current)
        results[tool] = (time.perf_counter() - started, _children_cpu() - cpu, drifted)
    ours = results.get("shadowloop")
    # CPU seconds too: on a loaded machine they move less than the wall clock.
    for tool, (seconds, cpu, drifted) in results.items():
        ratio = f"{seconds / ours[0]:5.1f}× ({cpu / ours[1]:5.1f}× CPU)" if ours else ""
        flagged = "skipped" if drifted is None else f"{len(drifted)}: {', '.join(drifted)}"
        print(f"{tool:<11} {seconds:7.2f} s {cpu:7.2f} s CPU  {ratio}  drifted {flagged}")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
