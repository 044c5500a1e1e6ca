"""A/B of loadpy's steady CPU per request at several VU counts (figure 7's method, smaller), interleaved.

    python benchmarks/vu_growth.py before=/tmp/before2 now=. --vus 1000 10000 --requests 50000 --rounds 2

For each round, VU count and tree (the trees' order rotating every round, so drift on a shared
machine hits all alike), two runs of a shared-iterations scenario doing `GET /` against nginx
pinned to CPU 1, the generator pinned to CPU 0: N iterations for N VUs (every VU is created,
connects and sends one), then N + R. The steady cost per request is (CPU long - CPU short) / R:
the VUs' start, connections and the end of the run cancel out (benchmarks/README.md, "Cost curve").
Prints each pair and per (VUs, tree) the medians of the steady µs/request, the short run's CPU
(the fixed cost) and the long run's req/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ab import _run, scenario
from bench.procs import installed_env
from bench.target import Nginx


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="+", help="name=path: a directory holding a `loadpy` package")
    ap.add_argument("--vus", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--requests", type=int, default=50_000, help="R, the requests the long run adds")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--nginx", default="nginx")
    args = ap.parse_args()
    trees = [(t.split("=", 1)[0], Path(t.split("=", 1)[1]).resolve()) for t in args.trees]
    work = Path(tempfile.mkdtemp(prefix="loadpy-vu-growth-"))
    base_env = installed_env(work / "pycache", [tree for _, tree in trees])
    # (VUs, tree) -> [(steady µs/request, short run's CPU s, long run's req/s)]
    rows: dict[tuple[int, str], list[tuple[float, float, float]]] = {}
    with Nginx(args.nginx, cpu=1) as target:
        for r in range(args.rounds):
            for vus in args.vus:
                sizes = {"short": vus, "long": vus + args.requests}
                paths = {label: work / f"{label}-{vus}.yaml" for label in sizes}
                for label, n in sizes.items():
                    paths[label].write_text(scenario(target.url, vus, n))
                for name, tree in trees[r % len(trees) :] + trees[: r % len(trees)]:
                    env = dict(base_env, PYTHONPATH=str(tree))
                    short = _run(name, tree, paths["short"], work, [], env)
                    long = _run(name, tree, paths["long"], work, [], env)
                    if short is None or long is None:
                        return 1
                    added = long[2]["http_reqs"]["count"] - short[2]["http_reqs"]["count"]
                    steady = (long[0] - short[0]) / added * 1e6
                    rps = long[2]["http_reqs"]["count"] / long[1]
                    rows.setdefault((vus, name), []).append((steady, short[0], rps))
                    print(
                        f"round {r + 1} {vus:>6} VUs {name:>8}: steady {steady:6.1f} µs/req"
                        f"  fixed {short[0]:5.2f} s CPU  {rps:8.0f} req/s",
                        flush=True,
                    )
    print("median:")
    for (vus, name), got in rows.items():
        steady, fixed, rps = (statistics.median(row[i] for row in got) for i in range(3))
        print(f"  {vus:>6} VUs {name:>8}: steady {steady:6.1f} µs/req  fixed {fixed:5.2f} s CPU  {rps:8.0f} req/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
