"""Python-level function calls per request of loadpy trees: a deterministic figure where CPU time is noise.

    python benchmarks/call_count.py before=/tmp/before now=.            # a YAML `request` step
    python benchmarks/call_count.py before=/tmp/before now=. --python   # `await vu.http.get(url)`
    python benchmarks/call_count.py before=/tmp/before now=. --rate 1000 --small 5000 --large 15000

Per tree: `python -m cProfile -m loadpy run` of a 50-VU shared-iterations workload against nginx
pinned to CPU 1, once with `--small` and once with `--large` iterations; the difference of
cProfile's `total_calls` over the difference of iterations is the calls one request costs
(startup and the end of the run cancel out). Bytecode is cached, as an installed package has it.
A call is not a fixed cost (a C builtin is cheaper than a Python frame), but fewer calls on
the same path is less work on any machine, however loaded.
"""

from __future__ import annotations

import argparse
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ab import scenario
from bench.procs import installed_env
from bench.target import Nginx


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="+", help="name=path: a directory holding a `loadpy` package")
    ap.add_argument("--python", action="store_true", help="a Python script (vu.http.get) instead of YAML")
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=40_000)
    ap.add_argument("--nginx", default="nginx")
    ap.add_argument(
        "--rate", type=int, help="constant-arrival-rate at this many per second instead (--small/--large arrivals)"
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="loadpy-calls-"))
    env = installed_env(work / "pycache")
    suffix = "py" if args.python else "yaml"
    with Nginx(args.nginx, cpu=1) as target:
        for tree_arg in args.trees:
            name, tree = tree_arg.split("=", 1)
            calls = []
            for n in (args.small, args.large):
                path = work / f"workload{n}.{suffix}"
                if args.rate:  # the starter's wakes follow the clock: close to, not exactly, deterministic
                    plan = scenario(target.url, 100, n, "constant-arrival-rate", n // args.rate, args.python, 1000)
                else:
                    plan = scenario(target.url, 50, n, python=args.python)
                path.write_text(plan)
                profile = work / "run.prof"
                cmd = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "loadpy", "run", "-q"]
                cmd += ["--no-summary", "--address", "", str(path)]
                run_env = dict(env, PYTHONPATH=str(Path(tree).resolve()))
                subprocess.run(["taskset", "-c", "0", *cmd], env=run_env, cwd=work, check=True)
                calls.append(pstats.Stats(str(profile)).total_calls)  # type: ignore[attr-defined]
            per_request = (calls[1] - calls[0]) / (args.large - args.small)
            print(f"{name:>10}: {per_request:6.1f} calls per request")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
