"""How long N sleeping VUs take to start, and what the start costs: trees (and k6) interleaved.

    cp -r loadpy /tmp/before/ && python benchmarks/vu_start.py before=/tmp/before now=. --k6

Each run is `per-vu-iterations`, N VUs x 1 iteration that sleeps `--sleep` seconds, as a YAML flow
and as a Python script (`--kinds yaml,py`; k6 and `--js` run the k6 script). VU 1's first iteration
asks `GET /first` of a marker server (benchmarks/bench/marker.py) and the last VU's `GET /last`, so
the table shows, from the launch of the process: seconds to VU 1's first iteration (the process's
start, init and every VU created), to the last VU's (all VUs running), the CPU seconds and RSS of the
process at that moment, and for the whole run its wall and CPU seconds and peak RSS (wait4).
The generator runs on CPU 0 (`--cpu -1`: unpinned); bytecode is cached outside the trees as in ab.py.

The start-up and shut-down cost of a short run (issue #17), load-independent: one VU, one iteration,

    python benchmarks/vu_start.py before=/tmp/before now=. --vus 1 --sleep 0 --rounds 10 --kinds yaml,py,js \
        --instructions 3

adds, per tree and kind, the instructions the whole process executes (valgrind's cachegrind without
its cache simulation, on the interpreter binary itself; median of N runs with PYTHONHASHSEED=0).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.marker import MarkerServer
from bench.procs import installed_env, run_measured
from bench.setup_tools import _which as which_tool
from bench.tools import Workload, k6_script, loadpy_scenario

COLUMNS = ("to_first_s", "to_last_s", "cpu_to_last_s", "rss_at_last_mb", "wall_s", "cpu_s", "peak_rss_mb")


def python_script(w: Workload) -> str:
    """The sleepers workload as a Python script (k6_script and loadpy_scenario write the others)."""
    assert w.marker is not None
    options = {"scenarios": {"s": {"executor": "per-vu-iterations", "vus": w.vus, "iterations": 1}}}
    return (
        f"options = {options!r}\n\n\n"
        "async def default(vu):\n"
        "    if vu.id == 1:\n"
        f"        await vu.http.get({w.marker.url + '/first'!r})\n"
        f"    if vu.id == {w.vus}:\n"
        f"        await vu.http.get({w.marker.url + '/last'!r})\n"
        f"    await vu.sleep({w.sleep_s!r})\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="+", help="name=dir, dir holding loadpy/")
    ap.add_argument("--vus", default="1000,10000,100000")
    ap.add_argument("--kinds", default="yaml,py", help="yaml, py and/or js (the k6 script through loadpy)")
    ap.add_argument("--k6", action="store_true", help="also run the real k6 (the k6 script)")
    ap.add_argument("--sleep", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--cpu", type=int, default=0, help="CPU the generator is pinned to (-1: not pinned)")
    ap.add_argument("--instructions", type=int, default=0, help="N runs per tree and kind under cachegrind")
    args = ap.parse_args(argv)
    trees = [(name, Path(d).resolve()) for name, d in (t.split("=", 1) for t in args.trees)]
    kinds = [k for k in args.kinds.split(",") if k]
    sizes = [int(n) for n in args.vus.split(",")]
    cpu = None if args.cpu < 0 else args.cpu
    k6 = which_tool("k6") if args.k6 else None
    marker = MarkerServer()
    print(f"load average at start: {os.getloadavg()}", flush=True)
    results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="vu-start-") as tmp:
        work = Path(tmp)
        base_env = installed_env(work / "pycache", [tree for _, tree in trees])
        runs: list[tuple[str, str, Path | None]] = [(name, kind, tree) for name, tree in trees for kind in kinds]
        if k6:
            runs.append(("k6", "js", None))
        for r in range(args.rounds):
            for n in sizes:
                order = runs[r % len(runs) :] + runs[: r % len(runs)]
                for name, kind, tree in order:
                    row = _run(name, kind, tree, k6, n, args.sleep, cpu, work, base_env, marker)
                    results.setdefault((name, kind, n), []).append(row)
                    cells = "  ".join(f"{c} {row.get(c, float('nan')):g}" for c in COLUMNS)
                    print(f"round {r + 1} {n:>7} VUs {name:>8} {kind:>4}: {cells}", flush=True)
        instructions: dict[tuple[str, str, int], float] = {}
        for n in sizes if args.instructions else ():
            for name, kind, tree in runs:
                if tree is not None:
                    counts = [
                        _instructions(kind, tree, n, args.sleep, work, base_env, marker)
                        for _ in range(args.instructions)
                    ]
                    instructions[name, kind, n] = statistics.median(counts)
                    print(f"{n:>7} VUs {name:>8} {kind:>4}: instructions (M) {[round(c / 1e6, 1) for c in counts]}")
    marker.close()
    print(f"load average at end: {os.getloadavg()}")
    print("medians: " + ", ".join(COLUMNS) + (", instructions_M" if instructions else ""))
    for (name, kind, n), rows in results.items():
        med = [statistics.median(row.get(c, float("nan")) for row in rows) for c in COLUMNS]
        if instructions:
            med.append(instructions.get((name, kind, n), float("nan")) / 1e6)
        print(f"  {n:>7} VUs {name:>8} {kind:>4}: " + "  ".join(f"{v:8.2f}" for v in med))
    return 0


def _script(kind: str, vus: int, sleep_s: float, work: Path, marker: MarkerServer) -> Path:
    writers = {"yaml": (loadpy_scenario, "yaml"), "py": (python_script, "py"), "js": (k6_script, "js")}
    write, ext = writers[kind]
    script = work / f"s{vus}.{ext}"
    script.write_text(write(Workload("sleepers", "", vus=vus, sleep_s=sleep_s, marker=marker)))
    return script


def _instructions(
    kind: str, tree: Path, vus: int, sleep_s: float, work: Path, base_env: dict[str, str], marker: MarkerServer
) -> float:
    """Instructions the whole `loadpy run` executes (the interpreter's, its extensions' and the kernel's not)."""
    script = _script(kind, vus, sleep_s, work, marker)
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    env = dict(base_env, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
    cmd = [*valgrind, os.path.realpath(sys.executable), "-m", "loadpy", "run", "-q", "--address", "", str(script)]
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    found = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"{tree} {kind} under cachegrind: exit {proc.returncode}\n{proc.stderr[-1500:]}")
    return float(found.group(1).replace(",", ""))


def _run(
    name: str,
    kind: str,
    tree: Path | None,
    k6: str | None,
    vus: int,
    sleep_s: float,
    cpu: int | None,
    work: Path,
    base_env: dict[str, str],
    marker: MarkerServer,
) -> dict[str, float]:
    script = _script(kind, vus, sleep_s, work, marker)
    if tree is None:
        assert k6 is not None
        cmd, env = [k6, "run", "-q", "--address", "", str(script)], None
    else:
        cmd, env = [sys.executable, "-m", "loadpy", "run", "-q", "--address", "", str(script)], dict(base_env)
        env["PYTHONPATH"] = str(tree)
    marker.reset()
    m = run_measured(cmd, cpu, 120 + sleep_s + 0.01 * vus, cwd=work, env=env, on_start=marker.reset)
    if m.code != 0:
        print(f"{name} {kind}: exit {m.code}\n{m.stderr[-1500:]}", file=sys.stderr)
    row = marker.figures(m.launched)
    row.update(wall_s=round(m.wall_s, 2), cpu_s=round(m.cpu_s, 2), peak_rss_mb=round(m.peak_rss_kb / 1024, 1))
    return row


if __name__ == "__main__":
    raise SystemExit(main())
