"""Benchmark the live quality rule: false alarms on null windows, power under a change.

    .venv/bin/python bench/quality_bench.py [--windows 1000] [--labels 50 100 300] [--seed 0]

Simulated per-record errors of a regression model whose holdout RMSE is 3.7 (the default
delivery model's), in two shapes: normal, and Student t with 4 degrees of freedom scaled
to the same RMSE (heavy tails, the hard case for a CLT bound on squared errors). With
the default rule (alpha 0.05, tolerance 0.1):

- **false alarms**: ``--windows`` null windows judged as looks 1, 2, ... of one champion's
  life (the spending rule), and the same windows each judged as a first look (the most
  liberal look); the share that alarmed. The first is the rule's guarantee (any alarm over
  the whole life at most alpha); the second shows the cost of a single look without spending.
- **power**: the share of windows that alarm when the live RMSE is 4.5, 5.5 or 12.7,
  at look 1 and at look 168 (a week of hourly looks into a champion's life).
- **cost**: microseconds per verdict (the Lambda's work beyond reading S3).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lambdas.shared.quality import DEGRADED, LossStats, Rule, judge  # noqa: E402

HOLDOUT_RMSE = 3.7
CHANGES = (4.5, 5.5, 12.7)
LATE_LOOK = 168


def errors(rng: np.random.Generator, shape: str, rmse: float, size: tuple[int, int]) -> np.ndarray:
    """Errors with root mean square ``rmse``, normal or heavy-tailed (t with 4 dof)."""
    if shape == "normal":
        return rng.normal(0.0, rmse, size)
    dof = 4.0
    return rng.standard_t(dof, size) * rmse / math.sqrt(dof / (dof - 2.0))


def alarm_share(losses: np.ndarray, rule: Rule, looks: list[int]) -> float:
    alarmed = [
        judge(LossStats.of(row), rule=rule, reference=HOLDOUT_RMSE, look=look)["status"] == DEGRADED
        for row, look in zip(losses, looks, strict=True)
    ]
    return sum(alarmed) / len(alarmed)


def run(windows: int, labels: list[int], seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    results: dict[str, object] = {"windows": windows, "holdout_rmse": HOLDOUT_RMSE, "rows": []}
    for shape in ("normal", "t4"):
        for n in labels:
            rule = Rule(metric="rmse", alpha=0.05, tolerance=0.1, min_labels=min(n, 50))
            null = errors(rng, shape, HOLDOUT_RMSE, (windows, n)) ** 2
            row = {
                "shape": shape,
                "labels": n,
                "false_alarm_life": alarm_share(null, rule, list(range(1, windows + 1))) * windows,
                "false_alarm_per_first_look": alarm_share(null, rule, [1] * windows),
            }
            # "life": the number of alarms over the 1,000 looks (0 or 1 expected at most).
            for rmse in CHANGES:
                changed = errors(rng, shape, rmse, (windows, n)) ** 2
                row[f"power_{rmse}_look1"] = alarm_share(changed, rule, [1] * windows)
                row[f"power_{rmse}_look{LATE_LOOK}"] = alarm_share(
                    changed, rule, [LATE_LOOK] * windows
                )
            results["rows"].append(row)
    stats = LossStats.of(errors(rng, "normal", HOLDOUT_RMSE, (1, 100))[0] ** 2)
    rule = Rule(metric="rmse", alpha=0.05, tolerance=0.1, min_labels=50)
    started = time.perf_counter()
    for look in range(1, 10_001):
        judge(stats, rule=rule, reference=HOLDOUT_RMSE, look=look)
    results["microseconds_per_verdict"] = (time.perf_counter() - started) / 10_000 * 1e6
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=1000)
    parser.add_argument("--labels", type=int, nargs="+", default=[50, 100, 300])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    results = run(args.windows, args.labels, args.seed)
    for row in results["rows"]:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}))
    print(f"verdict: {results['microseconds_per_verdict']:.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
