"""CPU cost of `Recorder.record_http` in isolation: no network, no event loop.

    python benchmarks/record_cost.py                                  # this tree
    python benchmarks/record_cost.py --trees before=/tmp/before now=.  # A/B, interleaved rounds

One process per tree and round (`PYTHONPATH=<tree>`): a registry and a recorder as one VU runtime
has them, then `--requests` calls of `record_http` (the steady state: the cache entries exist)
spread over `--series` URLs, cycling through 500 responses per URL with varied timings (connecting
and TLS 0), with the engine's once-a-second fold (`Registry.fold(FOLD_BATCH)`) every `--fold-every`
requests, and a final read of every trend
(`percentile`). Each block of `--fold-every` requests and its fold is timed alone (process CPU
time): prints per tree the fastest block of all rounds (the least disturbed by a shared machine)
and each round's median block, in ns per request.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import random, sys, time
from loadpy.metrics.registry import FOLD_BATCH, Registry
from loadpy.protocols.http.model import Response, Timings
from loadpy.vu.recording import Recorder

requests, series, fold_every = (int(a) for a in sys.argv[1:4])
registry = Registry()
recorder = Recorder(registry)
ctx = recorder.context((("scenario", "default"),))
site = recorder.default_site
rng = random.Random(1)
# a pool of responses per URL with varied timings (connecting and TLS 0: a kept-alive connection)
responses = [
    Response("GET", f"http://127.0.0.1/{i % series}", 200, proto="HTTP/1.1",
             timings=Timings(rng.uniform(0.001, 0.01), 0.0, 0.0, 0.0, rng.uniform(0.005, 0.02),
                             rng.lognormvariate(-2, 0.5), rng.uniform(0.01, 0.05)))
    for i in range(series * 500)
]
for resp in responses:
    recorder.record_http(resp, ctx, site, None, None)
record = recorder.record_http
fold = registry.fold
clock = time.process_time
per_block = fold_every // series
blocks = []
for _ in range(max(1, requests // (per_block * series))):  # blocks
    start = clock()
    for _ in range(per_block // 500):
        for resp in responses:
            record(resp, ctx, site, None, None)
    fold(FOLD_BATCH)
    blocks.append((clock() - start) / (per_block // 500 * 500 * series))
start = clock()
for metric, _tags, sink in registry.all_series():
    if metric.type.value == "trend":
        sink.percentile(95)
blocks.sort()
print(blocks[0] * 1e9, blocks[len(blocks) // 2] * 1e9, (clock() - start) * 1e3)
"""


def measure(tree: Path, requests: int, series: int, fold_every: int) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(requests), str(series), str(fold_every)],
        env=env,
        cwd=tempfile.gettempdir(),  # not the current directory: `-c` puts it first on sys.path
        check=True,
        capture_output=True,
        text=True,
    )
    fastest, median, _final_read_ms = (float(v) for v in out.stdout.split())
    return fastest, median


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trees", nargs="+", default=["now=."], help="name=path: a directory holding `loadpy`")
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--series", type=int, default=1, help="distinct URLs (tag sets) the requests spread over")
    ap.add_argument("--fold-every", type=int, default=20_000, help="requests between the engine's folds")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    trees = [(t.split("=", 1)[0], Path(t.split("=", 1)[1]).resolve()) for t in args.trees]
    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
    for r in range(args.rounds):
        order = trees[r % len(trees) :] + trees[: r % len(trees)]
        for name, path in order:
            results[name].append(measure(path, args.requests, args.series, args.fold_every))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    for name, runs in results.items():
        fastest = min(f for f, _ in runs)
        medians = " / ".join(f"{m:.0f}" for _, m in runs)
        print(f"{name:>10}: fastest block {fastest:6.0f} ns/request, block medians {medians}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
