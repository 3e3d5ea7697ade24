"""Throughput and latency of the local REST API (`shadowloop serve`) under loopback load.

Starts a local cloud in this process, trains and deploys the default model, serves the
API on 127.0.0.1, then sends a bounded number of POST /predict requests (stopping
early at a time limit) from a few client threads. Every request runs the real API
handler and the real model, with the shadow copy and data capture when a shadow exists.

    .venv/bin/python bench/serve_bench.py [--requests 400] [--clients 4] [--batch 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.config import load_from_cdk_json  # noqa: E402
from shadowloop.localcloud.cloud import LocalCloud  # noqa: E402
from shadowloop.ops import bootstrap, examples, localserver  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="at most this many requests")
    parser.add_argument("--seconds", type=float, default=60.0, help="and for at most this long")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--batch", type=int, default=10, help="records per request")
    args = parser.parse_args(argv)

    config = load_from_cdk_json()
    features = config.model.feature_names
    frame = examples.generate("baseline", rows=args.batch * 50, seed=11)[features]
    batches = [
        json.dumps({"instances": frame.iloc[i : i + args.batch].to_dict("records")}).encode()
        for i in range(0, len(frame), args.batch)
    ]
    with (
        tempfile.TemporaryDirectory() as workdir,
        LocalCloud(workdir=Path(workdir), config=config) as cloud,
    ):
        server, url = localserver.serve_api(cloud, port=0)
        bootstrap.ensure_model(localserver.target_for(cloud, api_url=url), rows=3000)
        deadline = time.monotonic() + args.seconds

        def one(index: int) -> float | None:
            if time.monotonic() > deadline:
                return None
            request = urllib.request.Request(
                f"{url}/predict",
                data=batches[index % len(batches)],
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
            return time.perf_counter() - started

        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            latencies = [t for t in pool.map(one, range(args.requests)) if t is not None]
        elapsed = time.perf_counter() - began
        server.shutdown()

    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(
        f"`.venv/bin/python bench/serve_bench.py --requests {args.requests} "
        f"--clients {args.clients} --batch {args.batch}`\n"
    )
    print("| requests | clients | records/request | throughput | p50 | p99 |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {len(latencies)} | {args.clients} | {args.batch} | "
        f"{len(latencies) / elapsed:.0f} req/s ({len(latencies) * args.batch / elapsed:.0f} "
        f"records/s) | {statistics.median(latencies) * 1000:.1f} ms | {p(0.99):.1f} ms |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
