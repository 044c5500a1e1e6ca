"""Figures 7-9, the cost curve: how a generator's cost grows with the work it is given.

7. CPU per request at 1, 50, 1,000 and 10,000 closed-loop VUs. Each (VUs, tool) runs twice, as
   k6's shared-iterations: VUs requests (every VU creates itself, connects and sends one), then
   VUs + R requests. The difference is the steady cost of R requests on warm connections (VU
   creation, connecting, teardown and the summary cancel out); what is left of the short run is
   the fixed cost of that many VUs.
8. Peak RSS of 1k, 10k and 100k sleeping VUs, and the marginal KB of one more VU between them;
   the start: seconds (and CPU seconds) from the launch to the last VU's first iteration, from a
   marker request that iteration sends (bench/marker.py; the same request in every tool).
9. Requests/s and CPU per request with `--out json=` and `--out csv=` on and off, loadpy and k6.

A run that would not fit in the memory available now (the machine is shared) is skipped with the
reason printed; so are the few runs too long for `--quick` (`QUICK_SKIPS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from bench.figure import Runner, figure, fmt
from bench.marker import MarkerServer
from bench.tools import ToolSkipped, Workload, run_k6, run_loadpy, run_timeout

CURVE_VUS = (1, 50, 1000, 10000)
MEMORY_VUS = (1000, 10000, 100000)
# Figure 8's VUs sleep this much longer per VU: the first VUs must still sleep when the last start
# (VUs start while earlier ones iterate, in batches; 100k loadpy VUs took 7 s at load 16).
SLEEP_PER_VU_S = 1e-4
# Peak RSS per VU measured on this machine (sleeping VUs; rounded up) and the process's own base:
# what a run is expected to need before it is started.
EXPECTED_KB_PER_VU = {"loadpy": 10, "loadpy-js": 300, "k6": 140}
EXPECTED_BASE_KB = 150_000
# Memory left to the other users of the machine on top of the estimate (x1.25).
RESERVE_KB = 2 * 1024 * 1024
QUICK_SKIPS = {
    ("loadpy-js", 10000): "quick: 10k JavaScript VUs take ~2 min to start (a QuickJS context of ~5-10 ms CPU "
    "per VU); full run only",
    ("k6", 100000): "quick: 100k k6 VUs take several minutes to start (~1 ms CPU per VU); full run only",
}


def mem_available_kb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    raise OSError("no MemAvailable in /proc/meminfo")


def guarded(tool: str, run: Runner, quick: bool) -> Runner:
    """`run`, unless it is a --quick skip or its expected peak RSS does not fit in memory now."""

    def check(w: Workload, work: Path) -> dict[str, Any]:
        reason = QUICK_SKIPS.get((tool, w.vus)) if quick else None
        if reason:
            raise ToolSkipped(reason)
        need_kb = int((EXPECTED_BASE_KB + EXPECTED_KB_PER_VU.get(tool, 300) * w.vus) * 1.25)
        available_kb = mem_available_kb()
        if need_kb + RESERVE_KB > available_kb:
            raise ToolSkipped(
                f"{w.vus:,} VUs need ~{need_kb / 2**20:.1f} GiB (+{RESERVE_KB / 2**20:.0f} GiB left to others); "
                f"{available_kb / 2**20:.1f} GiB available"
            )
        return run(w, work)

    return check


def marginal(run: Runner) -> Runner:
    """The full run's figures plus the steady cost per request, from a run of one request per VU."""

    def both(w: Workload, work: Path) -> dict[str, Any]:
        short = run(replace(w, iterations=w.vus), work)
        full = run(w, work)
        requests = full["requests"] - short["requests"]
        cpu_s = full["cpu_s"] - short["cpu_s"]
        if requests <= 0:
            return full
        per_req_s = cpu_s / requests
        full["marginal_us_per_req"] = round(per_req_s * 1e6, 2)
        full["fixed_cpu_s"] = round(short["cpu_s"] - per_req_s * short["requests"], 3)
        full["short_run"] = short
        return full

    return both


def cost_curve(runners: dict[str, Runner], url: str, quick: bool, rounds: int) -> dict[str, Any]:
    """Figure 7: CPU µs/request at 1, 50, 1k and 10k closed-loop VUs, loadpy (YAML and JS) and k6."""
    added = 30_000 if quick else 100_000
    tools = ["loadpy", "loadpy-js", "k6"]
    measured = {t: guarded(t, marginal(runners[t]), quick) for t in tools if t in runners}
    result = figure(
        f"7. cost curve: CPU per request, closed loop (shared-iterations) against nginx, VUs + {added:,} requests"
        " minus VUs requests",
        measured,
        tools,
        {_vus(n): Workload("requests", url, vus=n, iterations=n + added) for n in CURVE_VUS},
        rounds,
        ("marginal_us_per_req", "cpu_us_per_req", "rps", "fixed_cpu_s"),
    )
    print("  steady CPU µs/request (whole-process µs/request of the long run)")
    print_curve(result["medians"], [t for t in tools if t in runners], "marginal_us_per_req", "cpu_us_per_req")
    return result


def memory_curve(runners: dict[str, Runner], url: str, quick: bool, rounds: int) -> dict[str, Any]:
    """Figure 8: peak RSS of 1k, 10k and 100k VUs sleeping in one iteration, KB per added VU, and the
    start: seconds and CPU seconds from the launch to all VUs running (`to_last_s`, `cpu_to_last_s`)."""
    base_s = 3.0 if quick else 5.0
    marker = MarkerServer()
    tools = ["loadpy", "loadpy-js", "k6"]

    def with_mb(tool: str, run: Runner) -> Runner:
        def measure(w: Workload, work: Path) -> dict[str, Any]:
            out = run(w, work)
            out["peak_rss_mb"] = round(out["peak_rss_kb"] / 1024, 1)
            spread = out.get("to_last_s", 0.0) - out.get("to_first_s", 0.0)
            if spread > w.sleep_s:  # VU 1's iteration ended before the last VU's began
                print(
                    f"  note: {tool}, {w.vus:,} VUs: the last VU started {spread:g} s after the first, "
                    f"past its sleep({w.sleep_s:g}): not all slept at once (peak RSS low)"
                )
            return out

        return measure

    measured = {t: guarded(t, with_mb(t, runners[t]), quick) for t in tools if t in runners}
    result = figure(
        f"8. memory curve: peak RSS of sleeping VUs (one iteration of sleep({base_s:g} s + "
        f"{SLEEP_PER_VU_S * 1e3:g} ms per VU))",
        measured,
        tools,
        {
            _vus(n): Workload("sleepers", url, vus=n, sleep_s=base_s + n * SLEEP_PER_VU_S, marker=marker)
            for n in MEMORY_VUS
        },
        rounds,
        ("peak_rss_mb", "kb_per_vu", "to_last_s", "cpu_to_last_s", "wall_s"),
    )
    marker.close()
    medians = result["medians"]
    added: dict[str, dict[str, float]] = {}
    for tool in tools:
        points = [(n, medians[_vus(n)][tool]["peak_rss_kb"]) for n in MEMORY_VUS if tool in medians[_vus(n)]]
        for (n0, kb0), (n1, kb1) in pairwise(points):
            added.setdefault(tool, {})[f"{n0}-{n1}"] = round((kb1 - kb0) / (n1 - n0), 2)
    for tool, steps in added.items():
        print(f"  {tool}: KB per added VU " + ", ".join(f"{k}: {v:.2f}" for k, v in steps.items()))
    result["kb_per_added_vu"] = added
    return result


def outputs_cost(
    k6: str | None, url: str, rounds: int, duration_s: float, cpu: int, repo: Path, before: Path | None = None
) -> dict[str, Any]:
    """Figure 9: 50 VUs closed loop with no output, `--out json=` and `--out csv=`, loadpy and k6; with
    `before` (a tree holding loadpy/), that tree too as "loadpy-before", in the same interleaved rounds."""
    w = Workload("closed", url, vus=50, duration_s=duration_s)
    timeout = run_timeout(w)

    def with_out(kind: str | None, run: Callable[[Workload, Path, tuple[str, ...]], dict[str, Any]]) -> Runner:
        def measure(w: Workload, work: Path) -> dict[str, Any]:
            path = work / f"out.{kind}"
            path.unlink(missing_ok=True)
            out = run(w, work, ("--out", f"{kind}={path}") if kind else ())
            if kind:
                size = path.stat().st_size if path.exists() else 0
                path.unlink(missing_ok=True)  # ~1 GB a run at full speed: not kept
                out["out_mb"] = round(size / 2**20, 1)
                out["out_bytes_per_req"] = round(size / out["requests"]) if out["requests"] else None
            return out

        return measure

    trees = {"loadpy": repo, **({"loadpy-before": before} if before else {})}
    runners: dict[str, Runner] = {}
    for kind in (None, "json", "csv"):
        suffix = f"+{kind}" if kind else ""
        for name, tree in trees.items():
            runners[f"{name}{suffix}"] = with_out(
                kind, lambda w, d, extra, tree=tree: run_loadpy(w, d, cpu, timeout, tree, extra)
            )
        if k6:
            runners[f"k6{suffix}"] = with_out(kind, lambda w, d, extra: run_k6(k6, w, d, cpu, timeout, extra))
    tools = [f"{tool}{s}" for tool in (*trees, "k6") for s in ("", "+json", "+csv")]
    result = figure(
        "9. outputs: 50 VUs closed loop with --out json= / --out csv= on and off",
        runners,
        tools,
        {"50 VUs": w},
        rounds,
        ("rps", "cpu_us_per_req", "out_bytes_per_req"),
    )
    medians = result["medians"]["50 VUs"]
    summary: dict[str, dict[str, float]] = {}
    for kind in ("json", "csv"):
        for tool in (*trees, "k6"):
            on, off = medians.get(f"{tool}+{kind}"), medians.get(tool)
            if on and off:
                summary[f"{tool}+{kind}"] = {
                    "rps_vs_no_output": round(on["rps"] / off["rps"], 3),
                    "added_cpu_us_per_req": round(on["cpu_us_per_req"] - off["cpu_us_per_req"], 2),
                }
        k6_on = medians.get(f"k6+{kind}")
        for name in trees:
            loadpy = medians.get(f"{name}+{kind}")
            if loadpy and k6_on:
                summary.setdefault(f"{name}+{kind}", {})["rps_vs_k6_same_output"] = round(
                    loadpy["rps"] / k6_on["rps"], 3
                )
    for name, vals in summary.items():
        print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in vals.items()))
    result["with_output"] = summary
    return result


def print_curve(medians: dict[str, dict[str, dict[str, float]]], tools: list[str], key: str, aside: str) -> None:
    cases = list(medians)
    print(f"  {'tool':<10} " + " ".join(f"{case:>20}" for case in cases))
    for tool in tools:
        cells = []
        for case in cases:
            vals = medians[case].get(tool)
            cells.append(f"{fmt(vals.get(key))} ({fmt(vals.get(aside))})" if vals else "-")
        print(f"  {tool:<10} " + " ".join(f"{cell:>20}" for cell in cells))


def _vus(n: int) -> str:
    return f"{n} VU" if n == 1 else f"{n} VUs"
