"""Live progress in k6's shape: a redrawn view on a terminal, a plain block every few seconds
elsewhere (CI logs), and the final state once at the end.

It only reads the engine's progress snapshot (`engine.progress()`, a few attribute reads per
scenario), so a refresh costs microseconds and never touches the hot path. The renderers are
pure functions of that snapshot, which is what the tests drive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from loadpy.clock import now
from loadpy.config.durations import format_duration

log = logging.getLogger("loadpy.progress")

PLAIN_INTERVAL_S = 2.0  # k6 prints every 1 s when not on a terminal; CI logs want fewer lines
TTY_INTERVAL_S = 0.25
BAR_WIDTH = 40
MIN_LEFT = 4  # k6 aligns the names with its hidden "Init" bar, so at least 4 columns
MAX_LEFT = 30

# k6's bar status symbols (✗: the test was stopped before the scenario finished)
RUNNING, DONE, WAITING, INTERRUPTED = " ", "✓", "•", "✗"


@dataclass(frozen=True, slots=True)
class RunLine:
    """The numbers of the first line: `running (01.0s), 07/12 VUs, 21 complete and 0 interrupted iterations`."""

    elapsed: float
    max_duration: float  # the whole test, incl. startTime and gracefulStop: fixes the time width
    active_vus: int
    max_vus: int
    complete: int
    interrupted: int


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


def _count(value: int, of: int) -> str:
    """k6 GetFixedLengthIntFormat: zero-padded to the digits of the maximum."""
    return f"{value:0{len(str(max(of, 0)))}d}"


def _time_column(spent: float, total: float, done: bool, total_text: str | None = None) -> str:
    if done or (total > 0 and spent >= total):
        return format_duration(total)
    return f"{fixed_duration(spent, total)}/{total_text or format_duration(total)}"


def _ramping_rate(config: Any, spent: float) -> float:
    """The target arrival rate at `spent` seconds into the stages, per second."""
    rate = float(getattr(config, "start_rate", 0))
    at = 0.0
    for stage in getattr(config, "stages", ()):
        if spent <= at + stage.seconds and stage.seconds > 0:
            rate += (stage.value - rate) * (spent - at) / stage.seconds
            break
        at += stage.seconds
        rate = float(stage.value)
    return rate / (getattr(config, "time_unit", 1.0) or 1.0)


def scenario_columns(p: Any, config: Any, test_elapsed: float) -> tuple[str, float, list[str]]:
    """(status, fraction, right-hand columns) of one scenario, per executor as k6 shows them."""
    start_time = float(getattr(config, "start_time", 0.0) or 0.0)
    if not p.done and p.elapsed <= 0 and test_elapsed < start_time:
        return WAITING, 0.0, ["waiting", fixed_duration(start_time - test_elapsed, start_time)]
    stopped_early = p.done and getattr(p, "stopped_early", False)
    status = (INTERRUPTED if stopped_early else DONE) if p.done else RUNNING
    fraction = 1.0 if p.done and not stopped_early else min(max(p.fraction, 0.0), 1.0)
    # a scenario cut short keeps its "spent/total" column and bar where it stopped, as in k6
    finished = p.done and not stopped_early
    kind = p.executor
    max_vus = _max_vus(config, p.max_vus)
    vus_of = f"{_count(p.active_vus, max_vus)}/{p.max_vus} VUs"
    dropped = f", {p.dropped} dropped" if p.dropped else ""
    if kind == "constant-vus":
        return status, fraction, [f"{p.max_vus} VUs", _time_column(p.elapsed, p.total - _grace(config), finished)]
    if kind == "ramping-vus":
        regular = p.total - _grace(config)
        return status, fraction, [vus_of, _time_column(p.elapsed, regular, finished, fixed_duration(regular, regular))]
    if kind in ("constant-arrival-rate", "ramping-arrival-rate"):
        regular = p.total - _grace(config)
        if kind == "constant-arrival-rate":
            rate = (getattr(config, "rate", 0) or 0) / (getattr(config, "time_unit", 1.0) or 1.0)
        else:
            rate = _ramping_rate(config, min(p.elapsed, regular))
        return status, fraction, [vus_of, _time_column(p.elapsed, regular, finished), f"{rate:.2f} iters/s{dropped}"]
    if kind in ("shared-iterations", "per-vu-iterations"):
        max_d = float(getattr(config, "max_duration_s", p.total - _grace(config)))
        spent = f"{fixed_duration(min(p.elapsed, max_d), max_d)}/{format_duration(max_d)}"
        iterations = int(getattr(config, "iterations", 0) or 0)
        if kind == "shared-iterations":
            counts = f"{_count(p.iterations_done, iterations)}/{iterations} shared iters"
        else:
            total = iterations * p.max_vus
            counts = f"{_count(p.iterations_done, total)}/{total} iters, {iterations} per VU"
        return status, fraction, [f"{p.max_vus} VUs", spent, counts]
    if kind == "externally-controlled":
        duration = float(getattr(config, "duration", 0.0) or 0.0)
        if not duration:  # endless: only the time spent
            return status, fraction, [vus_of, format_duration(round(p.elapsed, 1)), ""]
        return status, fraction, [vus_of, _time_column(p.elapsed, duration, finished), ""]
    # An executor this view does not know yet: the generic facts.
    return status, fraction, [vus_of, _time_column(p.elapsed, p.total, finished), f"{p.iterations_done} iters{dropped}"]


def _max_vus(config: Any, default: int) -> int:
    """The most VUs a scenario may ever have (arrival-rate maxVUs): the width of the VU counts."""
    total = getattr(config, "max_vus_total", None)
    if callable(total):
        total = total()
    return max(int(total), default) if isinstance(total, int) else default


def _grace(config: Any) -> float:
    return float(getattr(config, "graceful_stop", 0.0) or 0.0) if config is not None else 0.0


def run_line(run: RunLine) -> str:
    vus = f"{_count(run.active_vus, run.max_vus)}/{run.max_vus}"
    return (
        f"running ({fixed_duration(run.elapsed, run.max_duration)}), {vus} VUs, "
        f"{run.complete} complete and {run.interrupted} interrupted iterations"
    )


def ordered(scenarios: Sequence[Any], configs: Mapping[str, Any]) -> list[Any]:
    """k6's order: by startTime, then by name (the execution plan's order)."""
    return sorted(scenarios, key=lambda s: (float(getattr(configs.get(s.name), "start_time", 0.0) or 0.0), s.name))


def render_lines(run: RunLine, scenarios: Sequence[Any], configs: Mapping[str, Any], *, tty: bool = False) -> list[str]:
    """The progress block: the run line, then one line per scenario aligned in k6's columns.

    Not on a terminal the bar is k6's `[  33% ]`; on a terminal it is a drawn `[===>---]`.
    """
    rows = []
    for p in ordered(scenarios, configs):
        status, fraction, right = scenario_columns(p, configs.get(p.name), run.elapsed)
        rows.append((p.name, status, fraction, right))
    left = min(max([MIN_LEFT, *(len(name) for name, *_ in rows)]), MAX_LEFT)
    # Every right-hand column but the last of a row sets the width of its column (k6 renderMultipleBars).
    widths = [0, 0]
    for *_, right in rows:
        for i, col in enumerate(right[:-1][:2]):
            widths[i] = max(widths[i], len(col))
    lines = [run_line(run)]
    for name, status, fraction, right in rows:
        if len(name) > left:
            name = name[: left - 1] + "…"
        cells = "".join(f" {col:<{(widths[i] if i < 2 else 0) + 1}}" for i, col in enumerate(right))
        # k6 pads the last column too; trailing blanks only clutter logs, so they go.
        lines.append(f"{name:<{left}} {status} {bar(fraction, tty)}{cells}".rstrip())
    return lines


def render_table(run: RunLine, scenarios: Sequence[Any], configs: Mapping[str, Any]) -> Any:
    """The terminal view: the run line over a rich table, one row per scenario."""
    from rich.console import Group
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for column in ("scenario", "executor", "", "progress", "VUs", "time", "iterations", "dropped", "detail"):
        table.add_column(column, no_wrap=True, justify="right" if column in ("iterations", "dropped") else "left")
    for p in ordered(scenarios, configs):
        status, fraction, right = scenario_columns(p, configs.get(p.name), run.elapsed)
        vus, spent, *rest = [*right, ""]
        style = "green" if status == DONE else ("dim" if status == WAITING else "cyan")
        table.add_row(
            Text(p.name, style="bold"),
            Text(p.executor, style="dim"),
            Text(status, style=style),
            ProgressBar(total=1.0, completed=fraction, width=BAR_WIDTH, complete_style=style),
            vus,
            spent,
            str(p.iterations_done),
            Text(str(p.dropped), style="yellow" if p.dropped else "dim"),
            rest[0],
        )
    return Group(Text(run_line(run)), table)


def bar(fraction: float, tty: bool) -> str:
    if not tty:
        return f"[ {fraction * 100:3.0f}% ]"
    filled = int(fraction * BAR_WIDTH)
    if filled >= BAR_WIDTH:
        return "[" + "=" * BAR_WIDTH + "]"
    return "[" + "=" * filled + ">" + "-" * (BAR_WIDTH - filled - 1) + "]"


def total_max_duration(configs: Mapping[str, Any]) -> float:
    """startTime + duration + gracefulStop of the longest scenario (what the banner prints)."""
    return max(
        (
            float(getattr(c, "start_time", 0.0) or 0.0) + c.max_duration()
            for c in configs.values()
            if math.isfinite(c.max_duration())
        ),
        default=0.0,
    )


class Progress:
    """Draws the engine's progress until `stop()`; on a terminal with rich, elsewhere as plain text."""

    def __init__(
        self,
        engine: Any,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        configs: Mapping[str, Any] | None = None,
    ) -> None:
        """`engine`: anything with `progress()` (the Engine, the workers' coordinator); the scenario
        configs come from `configs`, else the engine's runners, else its prepared options."""
        self.engine = engine
        self.stream = stream if stream is not None else sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        if configs is None:
            runners = getattr(engine, "runners", None)
            if runners is not None:
                configs = {name: r.config for name, r in runners.items()}
            else:
                configs = getattr(getattr(getattr(engine, "p", None), "options", None), "scenarios", None) or {}
        self.configs: dict[str, Any] = dict(configs)
        self.max_duration = total_max_duration(self.configs)
        self._task: asyncio.Task[None] | None = None
        self._start = now()
        self._live: Any = None
        self._failed = False
        self._final: list[str] | None = None

    def snapshot(self, *, tty: bool = False) -> list[str]:
        return render_lines(*self._state(), self.configs, tty=tty)

    def _state(self) -> tuple[RunLine, list[Any]]:
        scenarios = self.engine.progress()
        pool = getattr(self.engine, "pool", None)
        run = RunLine(
            elapsed=now() - self._start,
            max_duration=self.max_duration,
            active_vus=sum(s.active_vus for s in scenarios),
            max_vus=pool.initialized if pool is not None else sum(s.max_vus for s in scenarios),
            complete=sum(s.iterations_done for s in scenarios),
            interrupted=sum(s.interrupted for s in scenarios),
        )
        return run, scenarios

    def start(self) -> None:
        self._start = now()
        if self.tty:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream)
            self._live = Live(console=console, auto_refresh=False, transient=True, redirect_stdout=False)
            self._live.start()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        interval = TTY_INTERVAL_S if self._live is not None else PLAIN_INTERVAL_S
        while True:
            await asyncio.sleep(interval)
            self._show()

    def _lines(self, tty: bool) -> list[str] | None:
        return self._safely(lambda: self.snapshot(tty=tty))

    def _safely(self, draw: Any) -> Any:
        try:
            return draw()
        except Exception:  # progress must never break a run
            if not self._failed:  # say it once, in the log, and carry on without progress
                self._failed = True
                log.warning("live progress failed", exc_info=True)
            return None

    def _show(self) -> None:
        if self._live is not None:
            view = self._safely(lambda: render_table(*self._state(), self.configs))
            if view is not None:
                self._live.update(view, refresh=True)
            return
        lines = self._lines(False)
        if lines is not None:
            self.stream.write("\n" + "\n".join(lines) + "\n")
            self.stream.flush()

    async def stop(self, *, show_final: bool = True) -> None:
        """Stop redrawing and take the final state; `show_final=False` keeps it for `show_final()`,
        which k6 prints after the end-of-test summary."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._live is not None:
            self._live.stop()
        self._final = self._lines(False)
        if show_final:
            self.show_final()

    def show_final(self) -> None:
        """The final state, once (it stays on screen, as k6's does)."""
        lines, self._final = self._final, None
        if lines is not None:
            self.stream.write("\n" + "\n".join(lines) + "\n")
            self.stream.flush()
