"""One scenario's progress as the engine reports it, and the pieces of k6's progress text that every
executor's columns are made of (each executor config says which, as each k6 executor's GetProgress
does; the CLI only lays them out)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from loadpy.base.durations import format_duration


@dataclass
class ScenarioProgress:
    name: str
    executor: str
    active_vus: int
    max_vus: int
    iterations_done: int
    interrupted: int
    dropped: int
    elapsed: float
    total: float  # regular duration + gracefulStop (inf for an endless externally-controlled)
    done: bool
    fraction: float = 0.0  # 0..1 (shared-iterations: iterations done / total; others: time)
    stopped_early: bool = False  # ended by a signal, abort or the REST API (k6 draws ✗)


def fixed_duration(seconds: float, max_seconds: float) -> str:
    """k6 pb.GetFixedLengthDuration: tenths of a second, as many fields and digits as the maximum."""
    sign = "-" if seconds < 0 else ""
    tenths = round(abs(seconds) * 10)
    max_tenths = max(round(abs(max_seconds) * 10) if math.isfinite(max_seconds) else 0, tenths)
    h, rest = divmod(tenths, 36000)
    m, rest = divmod(rest, 600)
    s, t = divmod(rest, 10)
    max_h, max_rest = divmod(max_tenths, 36000)
    max_m, max_rest = divmod(max_rest, 600)
    max_s = max_rest // 10
    if max_h:
        return f"{sign}{h:0{len(str(max_h))}d}h{m:02d}m{s:02d}.{t}s"
    if max_m:
        return f"{sign}{m:0{len(str(max_m))}d}m{s:02d}.{t}s"
    return f"{sign}{s:0{len(str(max_s))}d}.{t}s"


def count_of(value: int, of: int) -> str:
    """k6 GetFixedLengthIntFormat: zero-padded to the digits of the maximum."""
    return f"{value:0{len(str(max(of, 0)))}d}"


def time_column(spent: float, total: float, finished: bool, total_text: str | None = None) -> str:
    """ "spent/total" while running; the total alone once the scenario finished its work."""
    if finished or (total > 0 and spent >= total):
        return format_duration(total)
    return f"{fixed_duration(spent, total)}/{total_text or format_duration(total)}"


def active_vus_column(p: ScenarioProgress, ceiling: int = 0) -> str:
    """ "03/10 VUs": active of allocated, padded to the most VUs the scenario may ever have."""
    return f"{count_of(p.active_vus, max(ceiling, p.max_vus))}/{p.max_vus} VUs"


def generic_columns(p: ScenarioProgress, finished: bool) -> list[str]:
    """The columns of a scenario no executor describes: VUs, time and iterations."""
    dropped = f", {p.dropped} dropped" if p.dropped else ""
    return [active_vus_column(p), time_column(p.elapsed, p.total, finished), f"{p.iterations_done} iters{dropped}"]
