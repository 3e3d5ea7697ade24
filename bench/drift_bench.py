"""Benchmark the drift statistics: the summary check against exact and Evidently answers.

    .venv/bin/python bench/drift_bench.py [--rows 1000000] [--features 20] [--shifted 8]
    .venv/bin/python bench/drift_bench.py --evidently   # also Evidently 0.7 in its own venv
    .venv/bin/python bench/drift_bench.py --captures 1000000   # the deployed check on moto S3

One seeded dataset: a reference and a current sample of ``--rows`` rows each, ``--shifted``
of the features moved by 0.3 standard deviations in the current sample. Measured side by
side, all on one thread:

- baseline build (exact quantiles over the reference) and summary check (bin the current
  data against the stored edges), with peak extra memory of each (tracemalloc);
- the exact computation on the raw data (scipy ``ks_2samp`` + ``wasserstein_distance``);
- the import time of ``lambdas.shared.drift`` in a fresh interpreter;
- accuracy: the summary KS against exact KS, the summary PSI against PSI on the same bins;
- with ``--evidently``: Evidently's ``DataDriftPreset`` on the same data in
  ``bench/.venv-evidently`` (created on first use: Evidently 0.7.23 needs ``pandas<3``),
  time and peak RSS of that subprocess.
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
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lambdas.shared.drift import DriftAccumulator, build_baseline  # noqa: E402
from lambdas.shared.settings import Feature  # noqa: E402

COMMAND = ".venv/bin/python bench/drift_bench.py"
CHUNK_ROWS = 100_000
SHIFT_STD = 0.3
EVIDENTLY_VENV = ROOT / "bench" / ".venv-evidently"
EVIDENTLY_REQUIREMENTS = ["evidently==0.7.23", "pandas<3"]
EVIDENTLY_SCRIPT = """
import resource, sys, time
import numpy as np, pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
reference = pd.DataFrame(np.load(sys.argv[1]))
current = pd.DataFrame(np.load(sys.argv[2]))
reference.columns = current.columns = [f"f{i}" for i in range(reference.shape[1])]
started = time.perf_counter()
result = Report([DataDriftPreset()]).run(current, reference)
seconds = time.perf_counter() - started
drifted = [m for m in result.dict()["metrics"] if m["metric_name"].startswith("DriftedColumns")]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(seconds, rss, int(drifted[0]["value"]["count"]))
"""


def make_data(
    rows: int, features: int, shifted: int, seed: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Reference and current samples; the first ``shifted`` features move in the current one."""
    rng = np.random.default_rng(seed)
    scales = rng.uniform(0.5, 5.0, features)
    reference = np.column_stack([_feature(rng, i, rows) * s for i, s in enumerate(scales)])
    current = np.column_stack([_feature(rng, i, rows) * s for i, s in enumerate(scales)])
    current[:, :shifted] += SHIFT_STD * reference[:, :shifted].std(axis=0)
    return reference, current


def _feature(rng: np.random.Generator, i: int, rows: int) -> np.ndarray:
    # A mix of shapes: normal, skewed, heavy-tailed and integer-valued columns.
    kind = i % 4
    if kind == 0:
        return rng.normal(10.0, 2.0, rows)
    if kind == 1:
        return rng.gamma(2.0, 2.0, rows)
    if kind == 2:
        return rng.standard_t(5, rows) + 20.0
    return rng.integers(0, 30, rows).astype(np.float64)


def chunks(data: np.ndarray, names: list[str]):
    for start in range(0, data.shape[0], CHUNK_ROWS):
        block = data[start : start + CHUNK_ROWS]
        yield {name: block[:, i] for i, name in enumerate(names)}


def measured(fn: Callable[[], Any]) -> tuple[Any, float, int]:
    """Result, wall seconds and peak traced bytes allocated while ``fn`` ran."""
    tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


def import_seconds(repeats: int = 5) -> float:
    code = (
        "import time; t = time.perf_counter(); import lambdas.shared.drift; "
        "print(time.perf_counter() - t)"
    )
    runs = [
        float(subprocess.check_output([sys.executable, "-c", code], cwd=ROOT, text=True))
        for _ in range(repeats)
    ]
    return min(runs)


def exact(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Exact KS and normalised Wasserstein per feature on the raw data, and the time taken."""
    from scipy import stats

    started = time.perf_counter()
    ks = np.array(
        [
            stats.ks_2samp(reference[:, i], current[:, i]).statistic
            for i in range(reference.shape[1])
        ]
    )
    wasserstein = np.array(
        [
            stats.wasserstein_distance(reference[:, i], current[:, i]) / reference[:, i].std()
            for i in range(reference.shape[1])
        ]
    )
    return ks, wasserstein, time.perf_counter() - started


def exact_psi(baseline: dict, reference: np.ndarray, current: np.ndarray) -> np.ndarray:
    values = []
    for i, feature in enumerate(baseline["features"]):
        buckets = feature["numerical_statistics"]["distribution"]["kll"]["buckets"]
        inner = [b["upper_bound"] for b in buckets[:-1]]

        def shares(x: np.ndarray, inner: list = inner, size: int = len(buckets)) -> np.ndarray:
            counts = np.bincount(np.searchsorted(inner, x), minlength=size)
            return np.clip(counts / counts.sum(), 1e-4, None)

        b, c = shares(reference[:, i]), shares(current[:, i])
        values.append(float(np.sum((c - b) * np.log(c / b))))
    return np.array(values)


def evidently(reference: np.ndarray, current: np.ndarray) -> tuple[float, int, Any] | None:
    python = EVIDENTLY_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {EVIDENTLY_VENV.relative_to(ROOT)} ({' '.join(EVIDENTLY_REQUIREMENTS)})…")
        subprocess.run([sys.executable, "-m", "venv", str(EVIDENTLY_VENV)], check=True)
        install = [str(python), "-m", "pip", "install", "-q", *EVIDENTLY_REQUIREMENTS]
        if subprocess.run(install).returncode != 0:
            print("Evidently could not be installed; skipping it")
            return None
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / "reference.npy", Path(folder) / "current.npy"]
        np.save(paths[0], reference)
        np.save(paths[1], current)
        env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        run = subprocess.run(
            [str(python), "-c", EVIDENTLY_SCRIPT, *map(str, paths)],
            capture_output=True,
            text=True,
            env=env,
        )
    if run.returncode != 0:
        print("Evidently failed:", run.stderr.strip().splitlines()[-1:])
        return None
    seconds, rss, drifted = run.stdout.split()[-3:]
    return float(seconds), int(rss), drifted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--shifted", type=int, default=8)
    parser.add_argument("--evidently", action="store_true", help="also run Evidently 0.7.23")
    parser.add_argument(
        "--captures",
        type=int,
        metavar="N",
        help="instead: the deployed drift handler over N captured rows in moto S3 (one JSON line)",
    )
    parser.add_argument("--per-request", type=int, default=1, help="with --captures")
    parser.add_argument("--lines-per-object", type=int, default=1_000, help="with --captures")
    args = parser.parse_args(argv)
    if args.captures is not None:
        print(json.dumps(captured(args.captures, args.per_request, args.lines_per_object)))
        return

    names = [f"f{i}" for i in range(args.features)]
    specs = [Feature(name, "numeric") for name in names]
    reference, current = make_data(args.rows, args.features, args.shifted)
    values = args.rows * args.features

    baseline, build_seconds, build_peak = measured(
        lambda: build_baseline(chunks(reference, names), specs)
    )
    baseline = json.loads(json.dumps(baseline))

    def check() -> dict:
        accumulator = DriftAccumulator(baseline)
        for chunk in chunks(current, names):
            accumulator.add(chunk)
        return accumulator.report(min_rows=200)

    report, check_seconds, check_peak = measured(check)
    exact_ks, exact_wasserstein, exact_seconds = exact(reference, current)
    ks = np.array([report["features"][n]["ks"] for n in names])
    wasserstein = np.array([report["features"][n]["wasserstein"] for n in names])
    psi = np.array([report["features"][n]["psi"] for n in names])
    psi_error = np.max(np.abs(psi - exact_psi(baseline, reference, current)))
    w_error = np.max(np.abs(wasserstein - exact_wasserstein))
    detected = sorted(report["drifted_features"], key=lambda n: int(n[1:]))

    print(
        f"\n`{COMMAND} --rows {args.rows}`: {args.rows:,} rows × {args.features} numeric "
        f"features, {args.shifted} shifted by {SHIFT_STD} std, one thread\n"
    )
    print("| approach | time | values/s | peak extra memory |")
    print("|---|---|---|---|")
    print(_row("summary baseline build (exact quantiles)", build_seconds, values, _mib(build_peak)))
    print(_row("summary check (bin current data)", check_seconds, values, _mib(check_peak)))
    print(_row("exact scipy KS + Wasserstein on raw data", exact_seconds, values, "-"))
    if args.evidently and (result := evidently(reference, current)):
        seconds, rss, drifted = result
        name = f"Evidently 0.7.23 DataDriftPreset ({seconds / check_seconds:.0f}× the check)"
        print(_row(name, seconds, values, f"{rss / 2**30:.2f} GiB RSS, {drifted} drifted"))
    imported = import_seconds() * 1000
    print()
    print(
        f"- import of `lambdas.shared.drift`: {imported:.0f} ms (fresh interpreter, numpy included)"
    )
    print(
        f"- baseline size: {len(json.dumps(baseline)) / args.features / 1024:.1f} KiB per feature"
    )
    print(f"- KS max |summary − exact|: {np.max(np.abs(ks - exact_ks)):.1e}")
    print(f"- normalised Wasserstein max |summary − exact|: {w_error:.1e}")
    print(f"- PSI max |summary − exact on the same bins|: {psi_error:.1e}")
    print(
        f"- drifted features: {', '.join(detected)} (expected f0..f{args.shifted - 1}); "
        f"dataset drifted: {report['drifted']} (drift share {report['drift_share']:.2f})"
    )


def captured(rows: int, per_request: int, per_object: int) -> dict[str, Any]:
    """The deployed drift check over ``rows`` captured rows (see ``bench/drift_captures.py``)."""
    if rows < 1 or per_request < 1 or per_object < 1:
        raise SystemExit("--captures, --per-request and --lines-per-object must be at least 1")
    import drift_captures

    run = drift_captures.run(rows, per_request=per_request, per_object=per_object)
    seconds = run["seconds"]
    # CPU time too: on a loaded machine the wall clock measures the other work as well.
    return {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds),
        "cpu_seconds": round(run["cpu_seconds"], 3),
    }


def _row(name: str, seconds: float, values: int, memory: str) -> str:
    return f"| {name} | {seconds:.2f} s | {values / seconds:,.0f} | {memory} |"


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


if __name__ == "__main__":
    main()
