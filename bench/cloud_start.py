"""Local cloud start, as the e2e ``cloud`` fixture does it: first in a process, then warm.

    .venv/bin/python bench/cloud_start.py [--rounds 3] [--starts 6] [--against REV] [--gc]

Each round starts a fresh interpreter that starts and stops the cloud ``--starts`` times
(a new work directory each time, the assembly from the shared cache, synthesized once
beforehand), as one xdist worker does for its tests. The first start pays the imports;
the others are what every later test pays. ``--against REV`` also runs
``shadowloop/`` as it was at git revision REV, alternating old and new interpreters
under the same load, and adds their ratio. ``--gc`` uses the collector thresholds the
test suite sets (``tests/conftest.py``) in both.
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
COMMAND = ".venv/bin/python bench/cloud_start.py"
_PROBE = """
import gc, json, sys, tempfile, time
from pathlib import Path
if sys.argv[2] == "gc":
    from tests.conftest import GC_THRESHOLDS
    gc.set_threshold(*GC_THRESHOLDS)
from infra.config import ROOT, load_from_cdk_json
import shadowloop.localcloud.cloud as cloud
starts = []
for _ in range(int(sys.argv[1])):
    with tempfile.TemporaryDirectory() as workdir:
        wall, cpu = time.perf_counter(), time.process_time()
        local = cloud.LocalCloud(workdir=Path(workdir), config=load_from_cdk_json())
        local.start(assembly_cache=ROOT / ".shadowloop" / "assembly")
        starts.append((time.perf_counter() - wall, time.process_time() - cpu))
        local.stop()
print(json.dumps({"file": cloud.__file__, "starts": starts}))
"""
# What tests/conftest.py sets for every test: fake credentials, one region.
_TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_METRICS_NAMESPACE": "shadowloop",
    "POWERTOOLS_SERVICE_NAME": "shadowloop-bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}


def probe(starts: int, tree: Path, *, gc: bool) -> list[tuple[float, float]]:
    """Wall-clock and CPU seconds of each of ``starts`` cloud starts in one interpreter."""
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "AWS_PROFILE")}
    env |= _TEST_ENVIRONMENT | {
        "PYTHONPATH": os.pathsep.join(dict.fromkeys([str(tree), str(ROOT)]))
    }
    mode = "gc" if gc else "default"
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(starts), mode],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,  # ``-c`` puts the working directory first on the path
        check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    if not result["file"].startswith(str(tree)):  # the tree under test, not the installed one
        raise RuntimeError(f"the local cloud came from {result['file']}, not {tree}")
    return [tuple(start) for start in result["starts"]]


def export_tree(revision: str, into: Path) -> Path:
    """``shadowloop/`` as it was at ``revision``, written under ``into``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "shadowloop"], cwd=ROOT, capture_output=True
    )
    if archive.returncode:
        raise SystemExit(f"--against {revision}: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def summary(runs: list[list[tuple[float, float]]]) -> dict[str, float]:
    """Medians of the first start of each interpreter and of the later (warm) ones."""
    figures = {}
    for index, unit in enumerate(("s", "cpu_s")):
        figures[f"first_{unit}"] = round(statistics.median(r[0][index] for r in runs), 2)
        warm = [start[index] for r in runs for start in r[1:]]
        figures[f"warm_{unit}"] = round(statistics.median(warm), 2)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh interpreters per tree")
    parser.add_argument("--starts", type=int, default=6, help="cloud starts per interpreter")
    parser.add_argument("--against", metavar="REV", help="git revision to compare with")
    parser.add_argument("--gc", action="store_true", help="the test suite's gc thresholds")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.starts < 2:
        parser.error("--rounds must be at least 1 and --starts at least 2")
    trees = {"now": ROOT}
    with tempfile.TemporaryDirectory() as old:
        if args.against:
            trees["before"] = export_tree(args.against, Path(old))
        probe(2, ROOT, gc=args.gc)  # synthesizes the assembly if the cache lacks it
        runs: dict[str, list[list[tuple[float, float]]]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():  # alternating, so both see the same load
                runs[name].append(probe(args.starts, tree, gc=args.gc))
    result: dict[str, object] = {"command": COMMAND, "gc": args.gc, "rounds": args.rounds}
    result |= {"starts": args.starts} | {name: summary(r) for name, r in runs.items()}
    if args.against:
        now, before = result["now"], result["before"]
        result["ratio"] = {k: round(now[k] / before[k], 2) for k in now}  # type: ignore[index]
    result |= {"load_average": round(os.getloadavg()[0], 1), "cores": os.cpu_count()}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
