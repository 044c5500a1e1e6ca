"""One figure: every (case, tool) run `rounds` times, interleaved and rotated, then per-tool medians.

Drift in a shared machine's load hits every tool alike when the tools take turns (A B C, then
B C A, ...). A runner raises ToolFailed when its tool fails (the figure goes on without that run)
and ToolSkipped when the run is not attempted (memory would not fit, too long for --quick): the
reason is printed once and kept in the figure's `skipped`.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.tools import ToolFailed, ToolSkipped, Workload

Runner = Callable[[Workload, Path], dict[str, Any]]


def subdir(work: Path, name: str) -> Path:
    path = work / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def figure(
    title: str,
    runners: dict[str, Runner],
    tools: list[str],
    cases: dict[str, Workload],
    rounds: int,
    keys: tuple[str, ...],
) -> dict[str, Any]:
    """Run every (case, tool) `rounds` times, interleaved and rotated; print medians and ratios."""
    active = [t for t in tools if t in runners]
    print(f"\n{title}  ({rounds} round{'s' if rounds != 1 else ''}, order rotated each round)")
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {case: {t: [] for t in active} for case in cases}
    errors: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    width = max([7, *(len(t) for t in tools)])
    for r in range(rounds):
        order = active[r % len(active) :] + active[: r % len(active)] if active else []
        for case, w in cases.items():
            for tool in order:
                try:
                    res = runners[tool](w, subdir(Path(tempfile.gettempdir()) / "loadpy-bench", tool))
                except ToolSkipped as exc:
                    if f"{case}/{tool}" not in skipped:
                        print(f"  {case:<10} {tool:<{width}} skipped: {exc}")
                    skipped[f"{case}/{tool}"] = str(exc)
                    continue
                except (ToolFailed, OSError, ValueError, KeyError) as exc:
                    errors.setdefault(f"{case}/{tool}", []).append(str(exc)[:300])
                    print(f"  {case:<10} {tool:<{width}} FAILED: {str(exc)[:200]}")
                    continue
                runs[case][tool].append(res)
                shown = "  ".join(f"{k}={res.get(k)}" for k in keys)
                print(f"  round {r + 1} {case:<10} {tool:<{width}} {shown}")
    medians = {case: {tool: _medians(rs) for tool, rs in per_tool.items() if rs} for case, per_tool in runs.items()}
    print_table(medians, keys, [t for t in tools if t not in runners], width)
    result: dict[str, Any] = {"title": title, "rounds": rounds, "runs": runs, "medians": medians, "errors": errors}
    if skipped:
        result["skipped"] = skipped
    return result


def _medians(rs: list[dict[str, Any]]) -> dict[str, float]:
    keys = {k for r in rs for k, v in r.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    return {k: round(statistics.median(r[k] for r in rs if r.get(k) is not None), 4) for k in sorted(keys)}


def print_table(
    medians: dict[str, dict[str, dict[str, float]]], keys: tuple[str, ...], skipped: list[str], width: int = 7
) -> None:
    ratio_head = f"vs k6 ({keys[0]})"
    head = f"  {'case':<10} {'tool':<{width}} " + " ".join(f"{k:>16}" for k in keys) + f" {ratio_head:>20}"
    print(head)
    print("  " + "-" * (len(head) - 2))
    for case, per_tool in medians.items():
        base = per_tool.get("k6", {}).get(keys[0])
        for tool, vals in per_tool.items():
            cells = " ".join(f"{fmt(vals.get(k)):>16}" for k in keys)
            ratio = f"{vals[keys[0]] / base:.2f}x" if base and vals.get(keys[0]) is not None else "-"
            print(f"  {case:<10} {tool:<{width}} {cells} {ratio:>20}")
        for tool in skipped:
            print(f"  {case:<10} {tool:<{width}} {'skipped (not available)':>16}")


def fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
