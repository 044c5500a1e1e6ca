"""Memory held by Trend series past their exact store (no processes, no network).

    PYTHONPATH=. python benchmarks/trend_memory.py        # 50 URLs x 7 http_req_* trends, then one series
    PYTHONPATH=/path/to/old-tree python benchmarks/trend_memory.py   # another tree, the same figures

Records `--requests` responses spread over `--urls` tag sets (each the seven `http_req_*` timings:
lognormal, the connection phases 0 but for one response in 50), folding every 20,000 as the engine
does, and prints the bytes the registry holds (tracemalloc: allocated and still alive) after each
`--step` requests: how a run with per-URL series grows. Then the same for one series of `--values`
values with a long tail: the growth per million values once the exact store is full.
"""

from __future__ import annotations

import argparse
import random
import tracemalloc

from loadpy.metrics.builtin import HTTP_TRENDS as TRENDS
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import TrendSink

FOLD_EVERY = 20_000


def per_url(urls: int, requests: int, step: int) -> list[tuple[int, float]]:
    """(requests so far, MB held) every `step` requests over `urls` per-URL tag sets."""
    rng = random.Random(1)
    tracemalloc.start()
    reg = Registry()
    metrics = [reg.metrics[name] for name in TRENDS]
    tags = [(("name", f"/api/item/{i}"), ("status", "200")) for i in range(urls)]
    sinks = [[reg.sink(metric, t) for metric in metrics] for t in tags]
    points = []
    for n in range(1, requests + 1):
        duration, blocked, connecting, tls, sending, waiting, receiving = sinks[rng.randrange(urls)]
        wait = rng.lognormvariate(0.5, 0.8)
        fresh = rng.random() < 0.02
        duration.add(wait + 0.05)
        blocked.add(rng.lognormvariate(-1, 1) if fresh else 0.0)
        connecting.add(rng.lognormvariate(-2, 1) if fresh else 0.0)
        tls.add(0.0)
        sending.add(rng.lognormvariate(-4, 0.5))
        waiting.add(wait)
        receiving.add(rng.lognormvariate(-3, 0.7))
        if n % FOLD_EVERY == 0:
            reg.fold()
        if n % step == 0:
            reg.fold()
            points.append((n, tracemalloc.get_traced_memory()[0] / 1e6))
    tracemalloc.stop()
    return points


def one_series(values: int, step: int) -> list[tuple[int, float]]:
    """(values so far, MB held) every `step` values of one long-tailed series."""
    rng = random.Random(2)
    tracemalloc.start()
    sink = TrendSink()
    points = []
    for n in range(1, values + 1):
        sink.add(rng.lognormvariate(1.0, 1.5))
        if n % FOLD_EVERY == 0:
            sink.fold()
        if n % step == 0:
            sink.fold()
            points.append((n, tracemalloc.get_traced_memory()[0] / 1e6))
    tracemalloc.stop()
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--values", type=int, default=2_000_000)
    parser.add_argument("--step", type=int, default=250_000)
    args = parser.parse_args()
    for label, points in (
        (f"{args.urls} URLs x 7 trends, requests", per_url(args.urls, args.requests, args.step)),
        ("one series, values", one_series(args.values, args.step)),
    ):
        shown = "  ".join(f"{n:,}: {mb:.2f}" for n, mb in points)
        (first_n, first_mb), (last_n, last_mb) = points[len(points) // 2], points[-1]
        growth = (last_mb - first_mb) / (last_n - first_n) * 1e6 if last_n > first_n else 0.0
        print(f"{label} -> MB held: {shown}   (second half: {growth:.2f} MB per million)", flush=True)


if __name__ == "__main__":
    main()
