"""Where constant-arrival-rate's start lateness comes from: one run, instrumented, attributed.

    python benchmarks/arrival_lateness.py --rate 5000 --seconds 10 [--tree DIR] [--rt]

nginx (one worker) is pinned to CPU 1 and loadpy to CPU 0, as in figure 2. The loadpy process runs
the CLI in-process with probes added from outside (nothing in loadpy is changed):

* every iteration's start and its lateness (the LOADPY_DEBUG_LATENCY_FILE hook's samples, with
  the time they were taken);
* a loop-lag probe: a 1 ms loop timer re-armed from its own callback; how late each firing was
  is how long the loop was busy (or the process off the CPU; up to ~1 ms of it is the timer's own
  rounding), and `/proc/thread-self/schedstat`'s run-queue wait read at each firing tells the two
  apart;
* the collector (`gc.callbacks`: generation, duration), the engine's once-a-second tick (the
  trend fold) and the threshold evaluation, timed.

It prints the lateness percentiles, and for the arrivals later than `--late-ms` (default 2) what
overlapped their wait: a collection, the tick, time off the CPU (run-queue wait), or none of them
(a long loop turn of the run's own work, or the timer's granularity).

`--rt` runs loadpy and nginx SCHED_FIFO (root only; each keeps its one CPU): on a machine shared
with other work the run-queue wait otherwise dominates every figure. Other processes still share
the caches and the memory bus, so read the figures as "close to a quiet machine".
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PROBE_S = 0.001


# -- the loadpy process ------------------------------------------------------------------
def child(scenario: str, out: str) -> int:
    import asyncio
    import gc

    from loadpy.clock import now
    from loadpy.engine import scheduler
    from loadpy.executors import arrival_rate, lateness

    starts: list[tuple[float, float]] = []  # (start, lateness)
    gcs: list[tuple[float, float, int, float]] = []  # (start, end, generation, CPU seconds)
    ticks: list[tuple[float, float, str, float]] = []  # (start, end, what, CPU seconds)
    probes: list[tuple[float, float, int]] = []  # (fired, lag, run-queue wait ns so far)
    cpu = [0.0, 0.0]  # process CPU seconds when the scenarios start and end

    class Recording(lateness.LatenessLog):
        def __init__(self) -> None:
            super().__init__()
            samples = self.samples

            def add(late: float) -> None:
                samples.append(late)
                starts.append((now(), late))

            self.add = add  # type: ignore[misc]

    arrival_rate.LatenessLog = Recording  # type: ignore[misc]

    gc_started = [0.0, 0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[:] = now(), time.thread_time()
        else:
            gcs.append((gc_started[0], now(), info["generation"], time.thread_time() - gc_started[1]))

    gc.callbacks.append(on_gc)

    def timed(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0, c0 = now(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                ticks.append((t0, now(), label, time.thread_time() - c0))

        setattr(owner, name, wrapper)

    timed(scheduler.Engine, "on_tick", "tick (fold)")
    from loadpy.pipeline import lifecycle

    original_init = lifecycle.Lifecycle.__init__

    def lifecycle_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.threshold_tick is not None:
            inner = self.threshold_tick

            def threshold_tick(elapsed: float) -> bool:
                t0, c0 = now(), time.thread_time()
                try:
                    return bool(inner(elapsed))
                finally:
                    ticks.append((t0, now(), "thresholds", time.thread_time() - c0))

            self.threshold_tick = threshold_tick

    lifecycle.Lifecycle.__init__ = lifecycle_init  # type: ignore[method-assign]

    schedstat = os.open("/proc/thread-self/schedstat", os.O_RDONLY)

    def run_delay() -> int:
        return int(os.pread(schedstat, 100, 0).split()[1])

    async def probe() -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = now() + PROBE_S
            fut = loop.create_future()
            handle = loop.call_later(PROBE_S, fut.set_result, None)
            try:
                await fut
            except asyncio.CancelledError:
                handle.cancel()
                raise
            fired = now()
            probes.append((fired, fired - due, run_delay()))

    original_run_scenarios = scheduler.Engine.run_scenarios

    async def run_scenarios(self: Any, setup_data: Any) -> None:
        task = asyncio.ensure_future(probe())
        cpu[0] = time.process_time()
        try:
            await original_run_scenarios(self, setup_data)
        finally:
            cpu[1] = time.process_time()
            task.cancel()

    scheduler.Engine.run_scenarios = run_scenarios  # type: ignore[method-assign]

    from loadpy.cli.main import main

    code = main(["run", "-q", "--address", "", scenario])
    Path(out).write_text(
        json.dumps({"starts": starts, "gcs": gcs, "ticks": ticks, "probes": probes, "cpu_s": cpu[1] - cpu[0]})
    )
    return code


# -- analysis ------------------------------------------------------------------------------
def pct(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered), max(1, -(-int(p * len(ordered)) // 100))) - 1]


def overlap(intervals: list[tuple[float, float, Any]], begin: float, end: float) -> tuple[float, Any]:
    """The interval that covers most of [begin, end]: (seconds covered, its label)."""
    best: tuple[float, Any] = (0.0, None)
    for s, e, what in intervals:
        covered = min(e, end) - max(s, begin)
        if covered > best[0]:
            best = (covered, what)
    return best


def analyse(data: dict[str, Any], late_ms: float) -> dict[str, Any]:
    starts = data["starts"]
    lates = sorted(late * 1000 for _, late in starts)
    gcs = [(s, e, f"gc gen {g}") for s, e, g, _ in data["gcs"]]
    ticks = [(s, e, label) for s, e, label, _ in data["ticks"]]
    probes = data["probes"]
    probe_times = [p[0] for p in probes]
    # time off the CPU between two probe firings (ns of run-queue wait), as intervals
    preempted = []
    for (t0, _, w0), (t1, _, w1) in itertools.pairwise(probes):
        if w1 - w0 > 500_000:  # over 0.5 ms waiting for the CPU
            preempted.append((t0, t1, f"off CPU {(w1 - w0) / 1e6:.1f} ms"))
    causes: dict[str, int] = {}
    late = [(s, lat) for s, lat in starts if lat * 1000 > late_ms]
    for start, lat in late:
        begin = start - lat
        _covered, cause = max(
            overlap(gcs, begin, start), overlap(ticks, begin, start), overlap(preempted, begin, start)
        )
        if cause is not None and cause.startswith("off CPU"):
            cause = "off CPU (run-queue wait)"
        if cause is None:
            # the loop-lag probe around this wait: was the loop busy?
            i = bisect_left(probe_times, begin)
            lags = [p[1] for p in probes[i : bisect_left(probe_times, start + 0.002)]]
            cause = "loop busy (lag ≥ 1 ms)" if lags and max(lags) >= 0.001 else "none found"
        key = cause.split(" (")[0] if cause.startswith("gc") else cause
        causes[key] = causes.get(key, 0) + 1
    lags = sorted(p[1] * 1000 for p in probes)
    # lateness and lag less the time spent waiting for the CPU meanwhile (interpolated between
    # probes): what a quiet machine would show, roughly
    waited = [p[2] / 1e9 for p in probes]

    def wait_at(t: float) -> float:
        i = bisect_left(probe_times, t)
        if i <= 0:
            return waited[0] if waited else 0.0
        if i >= len(probe_times):
            return waited[-1]
        t0, t1 = probe_times[i - 1], probe_times[i]
        return waited[i - 1] + (waited[i] - waited[i - 1]) * (t - t0) / ((t1 - t0) or 1.0)

    own_lates = sorted(max(0.0, lat - (wait_at(s) - wait_at(s - lat))) * 1000 for s, lat in starts)
    own_lags = sorted(max(0.0, lag - (w1 - w0) / 1e9) * 1000 for (_, _, w0), (_, lag, w1) in itertools.pairwise(probes))
    gen_counts: dict[int, list[float]] = {}
    first = starts[0][0] - starts[0][1] if starts else 0.0
    for begin, _, g, cpu in data["gcs"]:
        if begin < first:
            continue  # start-up's collections
        gen_counts.setdefault(g, []).append(cpu * 1000)
    waits = [(w1 - w0) for (_, _, w0), (_, _, w1) in itertools.pairwise(probes)]
    return {
        "started": len(lates),
        "cpu_us_per_arrival": round(data["cpu_s"] * 1e6 / max(1, len(lates)), 2),
        "late_ms": {k: round(pct(lates, p), 3) for k, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))},
        f"later_than_{late_ms}ms": len(late),
        "causes": dict(sorted(causes.items(), key=lambda kv: -kv[1])),
        "on_cpu_late_ms": {
            k: round(pct(own_lates, p), 3) for k, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
        },
        "on_cpu_probe_lag_ms": {k: round(pct(own_lags, p), 3) for k, p in (("p50", 50), ("p99", 99), ("max", 100))},
        "probe_lag_ms": {k: round(pct(lags, p), 3) for k, p in (("p50", 50), ("p99", 99), ("max", 100))},
        "gc_cpu": {
            f"gen {g}": {"count": len(d), "max_ms": round(max(d), 3), "total_ms": round(sum(d), 1)}
            for g, d in sorted(gen_counts.items())
        },
        "ticks_cpu_ms": {
            label: [round(cpu * 1000, 1) for _, _, lab, cpu in data["ticks"] if lab == label]
            for label in {lab for _, _, lab, _ in data["ticks"]}
        },
        "run_queue_wait_ms": round(sum(waits) / 1e6, 1),
        # when the worst stalls happened (s from the first planned start) and how long (ms)
        "worst_lags": [
            (round(t - first, 3), round(lag * 1000, 1)) for t, lag, _ in sorted(probes, key=lambda p: -p[1])[:8]
        ],
    }


def realtime_tree(root: int) -> None:
    """SCHED_FIFO for a process and its children (the nginx master and worker)."""
    pids = [root]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == root:
                pids.append(int(entry))
    for pid in pids:
        os.sched_setscheduler(pid, os.SCHED_FIFO, os.sched_param(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="*", help="name=dir: a directory holding a loadpy package (default: this tree)")
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=1, help="interleaved rounds (the trees rotated each round)")
    ap.add_argument("--late-ms", type=float, default=2.0)
    ap.add_argument(
        "--rt",
        action="store_true",
        help="run loadpy and nginx SCHED_FIFO (chrt -f 1): their CPUs as if the machine were quiet (needs root)",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="N > 1: `loadpy run --workers N`, unpinned, without the in-process probes: each worker's"
        " share (started, dropped, start lateness) from the lateness hook, achieved from the summary",
    )
    ap.add_argument(
        "--thresholds",
        action="store_true",
        help="add thresholds on http_req_duration p(95)/p(99) and http_req_failed (evaluated every 2 s)",
    )
    ap.add_argument("--json", help="write every run's full analysis here")
    ap.add_argument("--child", nargs=2, metavar=("SCENARIO", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args.child[0], args.child[1])

    import yaml
    from bench.setup_tools import ensure_tools
    from bench.target import Nginx
    from bench.tools import Workload, loadpy_scenario

    trees = [(t.split("=", 1)[0], t.split("=", 1)[1]) for t in args.trees] or [("now", str(HERE.parent))]
    planned = int(args.rate * args.seconds) + 1  # the arrival at exactly `duration` starts too
    tools = ensure_tools([])
    work = Path(tempfile.mkdtemp(prefix="loadpy-lateness-"))
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
    with Nginx(tools["nginx"] or "nginx", 1) as target:
        if args.rt:
            realtime_tree(target.proc.pid if target.proc else 0)
        scenario = work / "scenario.yaml"
        text = loadpy_scenario(Workload("car", target.url, rate=args.rate, duration_s=args.seconds))
        if args.thresholds:
            doc = yaml.safe_load(text)
            doc["options"]["thresholds"] = {
                "http_req_duration": ["p(95)<500", "p(99)<1000"],
                "http_req_failed": ["rate<0.01"],
            }
            text = yaml.safe_dump(doc, sort_keys=False)
        scenario.write_text(text)
        out = work / "probes.json"
        for r in range(args.rounds):
            for name, tree in trees[r % len(trees) :] + trees[: r % len(trees)]:
                load_before = os.getloadavg()[0]
                if args.workers > 1:
                    result = run_workers(args.workers, tree, scenario, work, args.rt, planned)
                    result["loadavg"] = [load_before, os.getloadavg()[0]]
                    runs[name].append(result)
                    print(f"round {r + 1} {name:>8}: {json.dumps(result)}", flush=True)
                    continue
                cmd = [*(["chrt", "-f", "1"] if args.rt else []), "taskset", "-c", "0"]
                cmd += [sys.executable, __file__, "--child", str(scenario), str(out)]
                env = dict(os.environ, PYTHONPATH=tree, LOADPY_DEBUG_LATENCY_FILE=str(work / "lateness.jsonl"))
                subprocess.run(cmd, env=env, check=True, cwd=work, stdout=subprocess.DEVNULL)
                result = {
                    "loadavg": [load_before, os.getloadavg()[0]],
                    **analyse(json.loads(out.read_text()), args.late_ms),
                }
                result["achieved"] = round(result["started"] / planned, 4)
                runs[name].append(result)
                print(f"round {r + 1} {name:>8}: {brief(result)}", flush=True)
    if args.workers > 1:
        if args.json:
            Path(args.json).write_text(json.dumps(runs, indent=1) + "\n")
        return 0
    print(f"median ({args.rate}/s for {args.seconds:g} s, {args.rounds} rounds{', SCHED_FIFO' if args.rt else ''}):")
    for name, results in runs.items():
        print(f"  {name:>8}: {brief({k: median_of(results, k) for k in results[0]})}")
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1) + "\n")
    return 0


def run_workers(workers: int, tree: str, scenario: Path, work: Path, rt: bool, planned: int) -> dict[str, Any]:
    """One `loadpy run --workers N` (unpinned): achieved and dropped from its summary export, each
    worker's share from the lateness hook's lines, CPU of the whole process tree."""
    lateness, export = work / "lateness.jsonl", work / "export.json"
    lateness.unlink(missing_ok=True)
    cmd = [*(["chrt", "-f", "1"] if rt else []), sys.executable, "-m", "loadpy", "run", "-q", "--address", ""]
    cmd += ["--workers", str(workers), "--summary-export", str(export), str(scenario)]
    env = dict(os.environ, PYTHONPATH=tree, LOADPY_DEBUG_LATENCY_FILE=str(lateness))
    before = os.times()
    subprocess.run(cmd, env=env, check=True, cwd=work, stdout=subprocess.DEVNULL)
    after = os.times()
    metrics = json.loads(export.read_text())["metrics"]
    iterations = metrics.get("iterations", {}).get("count", 0)
    cpu_s = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    keys = ("started", "dropped", "p50_ms", "p90_ms", "p99_ms", "max_ms")
    return {
        "achieved": round(iterations / planned, 4),
        "dropped": metrics.get("dropped_iterations", {}).get("count", 0),
        "cpu_us_per_arrival": round(cpu_s * 1e6 / max(1, iterations), 2),
        "per_worker": [{k: line.get(k) for k in keys} for line in map(json.loads, lateness.read_text().splitlines())],
    }


def median_of(results: list[dict[str, Any]], key: str) -> Any:
    values = [r[key] for r in results]
    if isinstance(values[0], dict):
        return {k: median_of(values, k) for k in values[0] if all(k in v for v in values)}
    if isinstance(values[0], int | float):
        return statistics.median(values)
    return values[0]


def brief(r: dict[str, Any]) -> str:
    late = r["late_ms"]
    return (
        f"achieved {r['achieved']:.4f}  late p50 {late['p50']:.2f} p90 {late['p90']:.2f} p99 {late['p99']:.2f}"
        f" max {late['max']:.1f} ms  CPU {r['cpu_us_per_arrival']:.1f} µs/arrival"
        f"  off-CPU {r['run_queue_wait_ms']:.0f} ms"
        f"  load {r['loadavg'][0]:.1f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
