"""loadpy's benchmark harness: `python benchmarks/run.py [--quick]` (see benchmarks/README.md).

Sets up nginx (one worker pinned to CPU 1) as the target, pins every generator to CPU 0,
runs each figure for loadpy and its peers interleaved (A B A B ...) several times, prints a
table of medians and ratios, and writes everything to benchmarks/results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench.costcurve import cost_curve, memory_curve, outputs_cost  # noqa: E402
from bench.figure import Runner, figure, subdir  # noqa: E402
from bench.setup_tools import ensure_tools, machine_info  # noqa: E402
from bench.target import Nginx  # noqa: E402
from bench.tools import (  # noqa: E402
    ToolFailed,
    Workload,
    run_floor,
    run_k6,
    run_loadpy,
    run_locust,
    run_timeout,
    run_wrk,
)

TARGET_CPU = 1
GENERATOR_CPU = 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds, shorter runs (~7 min; ~3 without figures 7-9)")
    ap.add_argument("--figures", default="1,2,3,4,5,6,7,8,9", help="comma-separated figure numbers to run")
    ap.add_argument("--rounds", type=int, help="override the number of interleaved rounds of every figure")
    ap.add_argument(
        "--before", type=Path, help="figure 9: a second tree (a directory holding loadpy/) run in the same rounds"
    )
    args = ap.parse_args(argv)
    figures = {int(f) for f in args.figures.split(",") if f.strip()}
    rounds = args.rounds or (2 if args.quick else 5)
    closed_s = 5.0 if args.quick else 10.0

    setup_log: list[str] = []
    tools = ensure_tools(setup_log)
    for line in setup_log:
        print(f"setup: {line}")
    if not tools["nginx"] or not tools["taskset"]:
        print("nginx and taskset are required (apt-get install nginx-light util-linux)", file=sys.stderr)
        return 2
    machine = machine_info(tools)
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": args.quick,
        "rounds": rounds,
        "machine": machine,
        "pinning": {"target_cpu": TARGET_CPU, "generator_cpu": GENERATOR_CPU},
        "figures": {},
        "notes": [],
    }
    print_machine(machine)
    work = Path(tempfile.mkdtemp(prefix="loadpy-bench-"))
    with Nginx(tools["nginx"], TARGET_CPU) as target:
        runners = make_runners(tools, work, HERE.parent)
        loadpy_reason = probe_loadpy(runners, target.url, work)
        if loadpy_reason:
            del runners["loadpy"]
            runners.pop("loadpy-js", None)
            msg = f"loadpy rows skipped: {loadpy_reason}"
            print(msg)
            results["notes"].append(msg)
        figs = results["figures"]
        if 1 in figures:
            figs["1_closed_loop"] = figure(
                "1. closed-loop HTTP/1.1, 50 VUs, keep-alive, tiny body",
                runners,
                ["loadpy", "loadpy-js", "k6", "wrk", "locust"],
                {"50 VUs": Workload("closed", target.url, vus=50, duration_s=closed_s)},
                rounds,
                ("rps", "cpu_us_per_req"),
            )
        if 2 in figures:
            figs["2_arrival_rate"] = figure(
                "2. constant-arrival-rate accuracy, 10 s (start lateness: loadpy only, k6 does not report it)",
                runners,
                ["loadpy", "k6"],
                {f"{r}/s": Workload("car", target.url, rate=r, duration_s=10.0) for r in (1000, 3000, 5000)},
                args.rounds or (1 if args.quick else 3),
                ("achieved_ratio", "dropped", "late_p50_ms", "late_p99_ms", "cpu_us_per_req"),
            )
            if "loadpy" in runners:
                figs["2_arrival_rate_workers"] = arrival_rate_workers(
                    runners, target.url, args.rounds or 1, HERE.parent
                )
        if 3 in figures:
            sleep_s = 3.0 if args.quick else 5.0
            figs["3_memory_per_vu"] = figure(
                "3. memory per sleeping VU (peak RSS / VUs)",
                runners,
                ["loadpy", "loadpy-js", "k6"],
                {f"{n} VUs": Workload("sleepers", target.url, vus=n, sleep_s=sleep_s) for n in (1000, 10000)},
                args.rounds or (1 if args.quick else 2),
                ("kb_per_vu", "peak_rss_kb"),
            )
        if 4 in figures:
            figs["4_latency_overhead"] = latency_overhead(
                runners, target.url, 5.0 if args.quick else 10.0, args.rounds or (2 if args.quick else 3)
            )
        if 5 in figures and "loadpy" in runners:
            figs["5_worker_scaling"] = worker_scaling(target.url, closed_s, rounds, HERE.parent)
        if 6 in figures:
            figs["6_startup"] = figure(
                "6. startup: wall time of a one-iteration run",
                runners,
                ["loadpy", "k6"],
                {"1 iteration": Workload("once", target.url)},
                args.rounds or (3 if args.quick else 5),
                ("wall_s", "peak_rss_kb"),
            )
        if 7 in figures:
            figs["7_cost_curve"] = cost_curve(runners, target.url, args.quick, args.rounds or (1 if args.quick else 2))
        if 8 in figures:
            figs["8_memory_curve"] = memory_curve(runners, target.url, args.quick, args.rounds or 1)
        if 9 in figures:
            figs["9_outputs"] = outputs_cost(
                tools["k6"],
                target.url,
                args.rounds or (1 if args.quick else 3),
                closed_s,
                GENERATOR_CPU,
                HERE.parent,
                args.before,
            )
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    out_file = out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    results["loadavg_at_end"] = list(__import__("os").getloadavg())
    out_file.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {out_file}")
    return 0


def arrival_rate_workers(runners: dict[str, Runner], url: str, rounds: int, repo: Path) -> dict[str, Any]:
    """Figure 2, workers row: constant-arrival-rate 10k/s for 10 s, one process on CPU 0 against
    `--workers 2` unpinned (both CPUs; the second worker shares CPU 1 with nginx), k6 on CPU 0
    beside; each worker's share (started, dropped, start lateness) from the lateness hook."""

    def w2(w: Workload, d: Path) -> dict[str, Any]:
        return run_loadpy(w, d, None, run_timeout(w), repo, ("--workers", "2"))

    result = figure(
        "2. constant-arrival-rate 10k/s, 10 s: one process (CPU 0) vs --workers 2 (unpinned)",
        {**runners, "loadpy-w2": w2},
        ["loadpy", "loadpy-w2", "k6"],
        {"10000/s": Workload("car", url, rate=10000, duration_s=10.0)},
        rounds,
        ("achieved_ratio", "dropped", "late_p50_ms", "late_p99_ms", "cpu_us_per_req"),
    )
    for i, run in enumerate(result["runs"]["10000/s"].get("loadpy-w2", [])):
        for n, share in enumerate(run.get("per_worker", []), 1):
            print(
                f"  round {i + 1} loadpy-w2 worker {n}: started {share['started']}, dropped {share['dropped']},"
                f" start lateness p50 {share['p50_ms']} / p99 {share['p99_ms']} ms"
            )
    return result


def latency_overhead(runners: dict[str, Runner], url: str, duration_s: float, rounds: int) -> dict[str, Any]:
    """Figure 4: http_req_duration p50/p99 at a fixed 1k requests/s (constant-arrival-rate),
    against the floor: a blocking-socket client at the same rate (bench/latency_floor.py,
    standing in for wrk2, which Debian does not package). Overhead = tool - floor."""
    result = figure(
        "4. latency overhead at 1k req/s: reported http_req_duration vs a blocking-socket floor",
        runners,
        ["loadpy", "k6", "floor"],
        {"1k/s": Workload("latency", url, rate=1000, duration_s=duration_s)},
        rounds,
        ("p50_ms", "p99_ms", "cpu_us_per_req"),
    )
    medians = result["medians"]["1k/s"]
    floor = medians.get("floor")
    if floor:
        overhead = {}
        for tool in ("loadpy", "k6"):
            if tool in medians:
                overhead[tool] = {k: round(medians[tool][k] - floor[k], 4) for k in ("p50_ms", "p99_ms")}
                print(
                    f"  {tool} adds p50 {overhead[tool]['p50_ms']:+.3f} ms, p99 {overhead[tool]['p99_ms']:+.3f} ms"
                    " over the floor"
                )
        result["overhead_vs_floor_ms"] = overhead
    return result


def worker_scaling(url: str, duration_s: float, rounds: int, repo: Path) -> dict[str, Any]:
    """Figure 5: `--workers 1` vs `--workers 2`, generators unpinned (both cores), 200 VUs closed loop.

    nginx answers far faster than loadpy asks, so the generator is the bottleneck; on a 2-core
    machine nginx still shares a core with the second worker, so this is a lower bound."""
    w = Workload("closed", url, vus=200, duration_s=duration_s)

    def runner(n: int) -> Runner:
        return lambda wl, d: run_loadpy(wl, d, None, duration_s + 90, repo, ("--workers", str(n)))

    runners = {"w1": runner(1), "w2": runner(2)}
    result = figure(
        "5. worker scaling: --workers 1 vs 2, 200 VUs closed loop, unpinned",
        runners,
        ["w1", "w2"],
        {"200 VUs": w},
        rounds,
        ("rps", "cpu_us_per_req"),
    )
    one = result["medians"]["200 VUs"].get("w1", {}).get("rps")
    two = result["medians"]["200 VUs"].get("w2", {}).get("rps")
    if one and two:
        result["ratio_w2_w1"] = round(two / one, 3)
        # efficiency: what each of the two workers does, against the one process doing it all
        result["rps_per_worker_w2"] = round(two / 2, 1)
        result["efficiency_per_worker"] = round(two / 2 / one, 3)
        print(f"  --workers 2 / --workers 1 requests/s: {two / one:.2f}x")
        print(f"  requests/s per worker: {two / 2:,.0f} vs {one:,.0f} in one process ({two / 2 / one:.0%} efficiency)")
    return result


def make_runners(tools: dict[str, str | None], work: Path, repo: Path) -> dict[str, Runner]:
    cpu, runners, timeout = GENERATOR_CPU, {}, run_timeout
    runners["loadpy"] = lambda w, d: run_loadpy(w, d, cpu, timeout(w), repo)
    runners["loadpy-js"] = lambda w, d: run_loadpy(w, d, cpu, timeout(w), repo, js=True)  # the k6 script itself
    runners["floor"] = lambda w, d: run_floor(w, d, cpu, timeout(w))
    if tools["k6"]:
        runners["k6"] = lambda w, d: run_k6(tools["k6"], w, d, cpu, timeout(w))  # type: ignore[arg-type]
    if tools["wrk"]:
        runners["wrk"] = lambda w, d: run_wrk(tools["wrk"], w, d, cpu, timeout(w))  # type: ignore[arg-type]
    if tools["locust"]:
        runners["locust"] = lambda w, d: run_locust(tools["locust"], w, d, cpu, timeout(w))  # type: ignore[arg-type]
    return runners


def probe_loadpy(runners: dict[str, Runner], url: str, work: Path) -> str | None:
    """None when `loadpy run` completes a one-iteration scenario, else why not."""
    try:
        runners["loadpy"](Workload("once", url), subdir(work, "probe"))
    except (ToolFailed, OSError, ValueError, KeyError) as exc:
        return str(exc).strip().replace("\n", " | ")[:400]
    return None


def print_machine(machine: dict[str, Any]) -> None:
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, kernel {machine['kernel']}")
    print(f"loadavg at start: {machine['loadavg_at_start']} (a shared machine makes every figure noisy)")
    for name, version in machine["versions"].items():
        first = (version or "missing").splitlines()[0] if isinstance(version, str) or version is None else version
        print(f"  {name}: {first}")


if __name__ == "__main__":
    sys.exit(main())
