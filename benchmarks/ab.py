"""A/B CPU cost per request of two (or more) copies of the loadpy tree, interleaved.

    cp -r loadpy /tmp/base/                  # snapshot the "before" tree
    python benchmarks/ab.py base=/tmp/base now=. --requests 150000 --rounds 4

Each round runs every tree once (rotating the order, so drift on a shared machine hits all
alike): `python -m loadpy run` of a 50-VU shared-iterations scenario doing `GET /` against
nginx pinned to CPU 1, the generator pinned to CPU 0. Prints per-tree medians of CPU µs per
request (whole process, startup included: compare trees, not absolute figures) and req/s.

`--js` runs the same workload as a k6 script (`export default function () { http.get(url); }`)
through loadpy's JavaScript front end; `--k6` adds the real k6 running that script as one more row;
`--check` adds `check(res, {'status is 200': (r) => r.status === 200})` to each iteration.
`--body-bytes N` requests a static body of N bytes (nginx from disk) instead of the 2-byte `ok`.
`--marginal` also runs each tree with one iteration per VU and prints its startup CPU and the marginal
cost, (CPU - startup CPU) / (requests - VUs): the per-request figure without the process's start.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.procs import installed_env, run_measured
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


def k6_script(url: str, vus: int, requests: int, check: bool = False) -> str:
    options = {
        "scenarios": {"s": {"executor": "shared-iterations", "vus": vus, "iterations": requests, "maxDuration": "120s"}}
    }
    if check:  # the commonest k6 iteration: a request and a check of its status
        return (
            "import http from 'k6/http';\nimport { check } from 'k6';\n"
            f"export const options = {json.dumps(options)};\n"
            "export default function () {\n"
            f"  const res = http.get({json.dumps(url)});\n"
            "  check(res, { 'status is 200': (r) => r.status === 200 });\n"
            "}\n"
        )
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
    ap.add_argument("--body-bytes", type=int, help="GET a static body of N bytes, not nginx's `ok`")
    ap.add_argument("--seconds", type=int, default=5, help="duration of ramping-vus / constant-arrival-rate")
    ap.add_argument("--max-vus", type=int, help="constant-arrival-rate maxVUs (default: --vus, as preAllocatedVUs)")
    ap.add_argument("--out", action="append", default=[], help="a loadpy --out, e.g. json=out.json (in a temp dir)")
    ap.add_argument("--js", action="store_true", help="run the workload as a k6 script (the JS front end)")
    ap.add_argument("--k6", action="store_true", help="add the real k6 (on PATH) running the workload as a k6 script")
    ap.add_argument("--check", action="store_true", help="with --js: each iteration also checks the status")
    ap.add_argument(
        "--marginal",
        action="store_true",
        help="also run one iteration per VU: startup CPU, and (full - startup) / extra requests per request",
    )
    args = ap.parse_args()
    trees = [(t.split("=", 1)[0], Path(t.split("=", 1)[1]).resolve()) for t in args.trees]
    work = Path(tempfile.mkdtemp(prefix="loadpy-ab-"))
    k6 = which_tool("k6") if args.k6 else None
    if args.k6:
        if not k6:
            print("--k6: no k6 on PATH", file=sys.stderr)
            return 1
        trees.append(("k6", Path(k6)))
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in trees}
    with Nginx(args.nginx, cpu=1) as target:
        url = target.body_url(args.body_bytes) if args.body_bytes else target.url
        # the measured workload, and with --marginal the same with one iteration per VU (the start)
        sizes = [("", args.requests)] + ([("startup", args.vus)] if args.marginal else [])
        paths: dict[str, Path] = {}
        k6_paths: dict[str, Path] = {}
        for label, requests in sizes:
            k6_paths[label] = work / f"script{label}.js"
            k6_paths[label].write_text(k6_script(url, args.vus, requests, args.check))
            if args.js:
                paths[label] = k6_paths[label]
            else:
                paths[label] = work / (f"script{label}.py" if args.python else f"scenario{label}.yaml")
                paths[label].write_text(
                    scenario(url, args.vus, requests, args.executor, args.seconds, args.python, args.max_vus)
                )
        arrivals = args.executor == "constant-arrival-rate"
        starts: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name, _ in trees}
        base_env = installed_env(work / "pycache", [tree for name, tree in trees if name != "k6"])
        for r in range(args.rounds):
            order = trees[r % len(trees) :] + trees[: r % len(trees)]
            for name, tree in order:
                env = dict(base_env, PYTHONPATH=str(tree))
                lateness = work / "lateness.jsonl"  # start lateness of each arrival (loadpy/executors/lateness.py)
                lateness.unlink(missing_ok=True)
                if arrivals:
                    env["LOADPY_DEBUG_LATENCY_FILE"] = str(lateness)
                runs: dict[str, tuple[float, float, dict[str, Any]]] = {}
                for label, _ in sizes:
                    script = k6_paths[label] if name == "k6" else paths[label]
                    measured = _run(name, tree, script, work, args.out, env)
                    if measured is None:
                        return 1
                    runs[label] = measured
                cpu_s, wall_s, metrics = runs[""]
                reqs = metrics["http_reqs"]["count"]
                line = f"round {r + 1} {name:>8}: {cpu_s / reqs * 1e6:6.2f} µs/req  {reqs / wall_s:9.0f} req/s"
                marginal = 0.0
                if "startup" in runs:
                    start_cpu, _, start_metrics = runs["startup"]
                    marginal = (cpu_s - start_cpu) / (reqs - start_metrics["http_reqs"]["count"]) * 1e6
                    line += f"  startup {start_cpu:5.2f} s CPU  marginal {marginal:6.2f} µs/req"
                results[name].append((cpu_s / reqs * 1e6, reqs / wall_s, marginal))
                if arrivals and name != "k6":
                    late = json.loads(lateness.read_text().splitlines()[0])
                    dropped = metrics.get("dropped_iterations", {}).get("count", 0)
                    row = (reqs / args.requests, dropped, late["p50_ms"], late["p99_ms"])
                    starts[name].append(row)
                    line += "  achieved {:.4f} dropped {:.0f} lateness p50 {:.2f} p99 {:.2f} ms".format(*row)
                print(line, flush=True)
    print("median:")
    for name, rows in results.items():
        cpu = statistics.median(c for c, _, _ in rows)
        rps = statistics.median(x for _, x, _ in rows)
        line = f"  {name:>8}: {cpu:6.2f} µs/req  {rps:9.0f} req/s"
        if args.marginal:
            line += f"  marginal {statistics.median(m for _, _, m in rows):6.2f} µs/req"
        if starts.get(name):
            line += "  achieved {:.4f} dropped {:.0f} lateness p50 {:.2f} p99 {:.2f} ms".format(
                *(statistics.median(row[i] for row in starts[name]) for i in range(4))
            )
        print(line)
    return 0


def _run(
    name: str, tree: Path, path: Path, work: Path, outs: list[str], env: dict[str, str]
) -> tuple[float, float, dict[str, Any]] | None:
    """One run of `path` by a tree (or k6): CPU seconds, wall seconds, the export's metrics; None if it failed."""
    export = work / "export.json"
    tool = [str(tree)] if name == "k6" else [sys.executable, "-m", "loadpy"]
    out_args = [arg for out in outs for arg in ("--out", out) if name != "k6"]
    m = run_measured(
        [*tool, "run", "-q", "--address", "", "--summary-export", str(export), *out_args, str(path)],
        0,
        300,
        cwd=work,
        env=env,
    )
    if m.code != 0:
        print(f"{name}: exit {m.code}\n{m.stderr[-2000:]}", file=sys.stderr)
        return None
    return m.cpu_s, m.wall_s, json.loads(export.read_text())["metrics"]


if __name__ == "__main__":
    raise SystemExit(main())
