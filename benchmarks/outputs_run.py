"""Whole runs with `--out json` / `--out csv`: the generator's CPU and its writer child's, apart.

    python benchmarks/outputs_run.py before=/tmp/before now=. --kinds none,json,csv --requests 30000 --rounds 3

Each round runs every (output, tree, mode) once: a python process that calls `loadpy.run` (50 VUs,
shared-iterations, `GET /` against nginx pinned to CPU 1) and prints its own CPU (`process_time`,
every thread: the generator) and its children's (`RUSAGE_CHILDREN`: the writer child, reaped at the
end of the run), each per request, and req/s. Not pinned: the writer child needs a second CPU to pay
(`ColumnarOutput.offload`), so the generator shares the machine with nginx. Startup (imports, the
child's start) is included: compare trees and modes, not absolute figures. For each tree `T` that
has `loadpy/outputs/writer_child.py`, `T` runs with the writer child and `T-inproc` without it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.setup_tools import _which as which_tool
from bench.target import Nginx

_INNER = r"""
import json, os, resource, sys, time
kind, requests, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if mode != "default":
    from loadpy.outputs.columns import ColumnarOutput
    ColumnarOutput.offload = mode == "child"
import loadpy
document = {"options": {"vus": 50, "iterations": requests},
            "flows": {"default": [{"request": {"url": os.environ["BENCH_URL"]}}]}}
flags = {"quiet": True}
if kind != "none":
    flags["out"] = kind + "=" + os.environ["BENCH_OUT"]
cpu, wall = time.process_time(), time.perf_counter()
result = loadpy.run(document, **flags)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
children = resource.getrusage(resource.RUSAGE_CHILDREN)
count = result.export["metrics"]["http_reqs"]["count"]
print(json.dumps({"rps": count / wall, "generator": cpu / count * 1e6,
                  "child": (children.ru_utime + children.ru_stime) / count * 1e6}))
"""


def variants(trees: dict[str, Path]) -> list[tuple[str, Path, str]]:
    out: list[tuple[str, Path, str]] = []
    for name, tree in trees.items():
        if (tree / "loadpy/outputs/writer_child.py").exists():
            out += [(name, tree, "child"), (f"{name}-inproc", tree, "inproc")]
        else:
            out.append((name, tree, "default"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="+", help="name=path of a tree holding loadpy/")
    parser.add_argument("--kinds", default="none,json,csv")
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = {name: Path(path).resolve() for name, _, path in (t.partition("=") for t in args.trees)}
    nginx = which_tool("nginx")
    if not nginx:
        sys.exit("nginx is required")
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    out_dir = Path(os.environ.get("TMPDIR", "/tmp"))
    with Nginx(nginx, 1) as target:
        for round_no in range(args.rounds):
            for kind in args.kinds.split(","):
                for name, tree, mode in variants(trees):
                    if kind == "none" and mode == "inproc":
                        continue
                    out_file = out_dir / f"outputs_run.{kind}"
                    env = {**os.environ, "PYTHONPATH": str(tree), "BENCH_URL": target.url, "BENCH_OUT": str(out_file)}
                    proc = subprocess.run(
                        [sys.executable, "-c", _INNER, kind, str(args.requests), mode],
                        env=env,
                        cwd=out_dir,  # not a directory holding loadpy/: `-c` puts the cwd before PYTHONPATH
                        capture_output=True,
                        text=True,
                        timeout=600,
                    )
                    out_file.unlink(missing_ok=True)
                    if proc.returncode != 0:
                        print(f"{name} {kind} failed: {proc.stderr[-400:]}", flush=True)
                        continue
                    row = json.loads(proc.stdout.strip().splitlines()[-1])
                    results.setdefault((kind, name), []).append(row)
                    cells = " ".join(f"{k} {v:.2f}" for k, v in row.items())
                    print(f"round {round_no + 1} {kind:5} {name:14} {cells}", flush=True)
    print("medians (µs per request; tree = generator + writer child):")
    for (kind, name), rows in results.items():
        med = {key: statistics.median(r[key] for r in rows) for key in ("rps", "generator", "child")}
        print(
            f"  {kind:5} {name:14} {med['rps']:8.0f} req/s  generator {med['generator']:6.2f}  "
            f"child {med['child']:6.2f}  tree {med['generator'] + med['child']:6.2f}"
        )


if __name__ == "__main__":
    main()
