"""A/B CPU cost per request of two (or more) copies of the loadpy tree, interleaved.

    cp -r loadpy /tmp/base/                  # snapshot the "before" tree
    python benchmarks/ab.py base=/tmp/base now=. --requests 150000 --rounds 4

Each round runs every tree once (rotating the order, so drift on a shared machine hits all
alike): `python -m loadpy run` of a 50-VU shared-iterations scenario doing `GET /` against
nginx pinned to CPU 1, the generator pinned to CPU 0. Prints per-tree medians of CPU µs per
request (whole process, startup included: compare trees, not absolute figures) and req/s.

`--executor constant-arrival-rate` runs `--requests` arrivals over `--seconds` (rate = their quotient)
and also prints the achieved ratio, dropped_iterations and the p50/p99 start lateness of the arrivals
(`LOADPY_DEBUG_LATENCY_FILE`).

`--js` runs the same workload as a k6 script (`export default function () { http.get(url); }`)
through loadpy's JavaScript front end; `--k6` adds the real k6 running that script as one more row.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.procs import run_measured
from bench.setup_tools import _which as which_tool
from bench.target import Nginx


def scenario(
    url: str,
    vus: int,
    requests: int,
    executor: str = "shared-iterations",
    seconds: int = 5,
    python: bool = False,
    max_vus: int | None = None,
) -> str:
    import yaml

    plans: dict[str, dict[str, object]] = {
        "shared-iterations": {"vus": vus, "iterations": requests, "maxDuration": "120s"},
        "ramping-vus": {"stages": [{"duration": "0s", "target": vus}, {"duration": f"{seconds}s", "target": vus}]},
        "constant-arrival-rate": {
            "rate": requests // seconds,
            "duration": f"{seconds}s",
            "preAllocatedVUs": vus,
            "maxVUs": max_vus or vus,
        },
    }
    options = {"scenarios": {"s": {"executor": executor, **plans[executor]}}}
    if python:  # a Python script doing what the YAML flow does
        return f"options = {options!r}\n\n\nasync def default(vu, data):\n    await vu.http.get({url!r})\n"
    return yaml.safe_dump({"options": options, "flows": {"default": [{"request": {"url": url}}]}})


def k6_script(url: str, vus: int, requests: int) -> str:
    options = {
        "scenarios": {"s": {"executor": "shared-iterations", "vus": vus, "iterations": requests, "maxDuration": "120s"}}
    }
    return (
        "import http from 'k6/http';\n"
        f"export const options = {json.dumps(options)};\n"
        f"export default function () {{ http.get({json.dumps(url)}); }}\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="+", help="name=path: a directory holding a `loadpy` package")
    ap.add_argument("--requests", type=int, default=150_000)
    ap.add_argument("--vus", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--nginx", default="nginx")
    ap.add_argument(
        "--executor", default="shared-iterations", choices=["shared-iterations", "ramping-vus", "constant-arrival-rate"]
    )
    ap.add_argument("--python", action="store_true", help="a Python script (vu.http.get) instead of YAML")
    ap.add_argument("--seconds", type=int, default=5, help="duration of ramping-vus / constant-arrival-rate")
    ap.add_argument("--max-vus", type=int, help="constant-arrival-rate maxVUs (default: --vus, as preAllocatedVUs)")
    ap.add_argument("--out", action="append", default=[], help="a loadpy --out, e.g. json=out.json (in a temp dir)")
    ap.add_argument("--js", action="store_true", help="run the workload as a k6 script (the JS front end)")
    ap.add_argument("--k6", action="store_true", help="add the real k6 (on PATH) running the workload as a k6 script")
    args = ap.parse_args()
    trees = [(t.split("=", 1)[0], Path(t.split("=", 1)[1]).resolve()) for t in args.trees]
    work = Path(tempfile.mkdtemp(prefix="loadpy-ab-"))
    k6 = which_tool("k6") if args.k6 else None
    if args.k6:
        if not k6:
            print("--k6: no k6 on PATH", file=sys.stderr)
            return 1
        trees.append(("k6", Path(k6)))
    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
    with Nginx(args.nginx, cpu=1) as target:
        if args.js:
            path = work / "script.js"
            path.write_text(k6_script(target.url, args.vus, args.requests))
        else:
            path = work / ("script.py" if args.python else "scenario.yaml")
            path.write_text(
                scenario(target.url, args.vus, args.requests, args.executor, args.seconds, args.python, args.max_vus)
            )
        k6_path = path
        if args.k6 and not args.js:  # k6 runs the same workload as its script
            k6_path = work / "script.js"
            k6_path.write_text(k6_script(target.url, args.vus, args.requests))
        arrivals = args.executor == "constant-arrival-rate"
        starts: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name, _ in trees}
        # bytecode cached (outside the trees), as an installed package has it: without it every run
        # compiles all of loadpy again (~0.5 s of CPU here when PYTHONDONTWRITEBYTECODE is set)
        base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base_env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        for name, tree in trees:
            if name != "k6":
                compile_all = [sys.executable, "-m", "compileall", "-q", str(tree / "loadpy")]
                subprocess.run(compile_all, env=base_env, check=True)
        for r in range(args.rounds):
            order = trees[r % len(trees) :] + trees[: r % len(trees)]
            for name, tree in order:
                export = work / "export.json"
                env = dict(base_env, PYTHONPATH=str(tree))
                lateness = work / "lateness.jsonl"  # start lateness of each arrival (loadpy/executors/lateness.py)
                lateness.unlink(missing_ok=True)
                if arrivals:
                    env["LOADPY_DEBUG_LATENCY_FILE"] = str(lateness)
                tool = [str(tree)] if name == "k6" else [sys.executable, "-m", "loadpy"]
                script = k6_path if name == "k6" else path
                m = run_measured(
                    [
                        *tool,
                        "run",
                        "-q",
                        "--address",
                        "",
                        "--summary-export",
                        str(export),
                        *(arg for out in args.out for arg in ("--out", out) if name != "k6"),
                        str(script),
                    ],
                    0,
                    300,
                    cwd=work,
                    env=env,
                )
                if m.code != 0:
                    print(f"{name}: exit {m.code}\n{m.stderr[-2000:]}", file=sys.stderr)
                    return 1
                metrics = json.loads(export.read_text())["metrics"]
                reqs = metrics["http_reqs"]["count"]
                results[name].append((m.cpu_s / reqs * 1e6, reqs / m.wall_s))
                line = f"round {r + 1} {name:>8}: {m.cpu_s / reqs * 1e6:6.2f} µs/req  {reqs / m.wall_s:9.0f} req/s"
                if arrivals and name != "k6":
                    late = json.loads(lateness.read_text().splitlines()[0])
                    dropped = metrics.get("dropped_iterations", {}).get("count", 0)
                    row = (reqs / args.requests, dropped, late["p50_ms"], late["p99_ms"])
                    starts[name].append(row)
                    line += "  achieved {:.4f} dropped {:.0f} lateness p50 {:.2f} p99 {:.2f} ms".format(*row)
                print(line)
    print("median:")
    for name, rows in results.items():
        cpu = statistics.median(c for c, _ in rows)
        rps = statistics.median(x for _, x in rows)
        line = f"  {name:>8}: {cpu:6.2f} µs/req  {rps:9.0f} req/s"
        if starts.get(name):
            line += "  achieved {:.4f} dropped {:.0f} lateness p50 {:.2f} p99 {:.2f} ms".format(
                *(statistics.median(row[i] for row in starts[name]) for i in range(4))
            )
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
