"""Live progress in k6's shape: a redrawn block on a terminal (bars sized to its width, as k6's), a
plain block every few seconds elsewhere (CI logs), and the final state once at the end.

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

from loadpy.base.progress import ScenarioProgress, count_of, fixed_duration, generic_columns
from loadpy.clock import now

log = logging.getLogger("loadpy.progress")

PLAIN_INTERVAL_S = 2.0  # k6 prints every 1 s when not on a terminal; CI logs want fewer lines
TTY_INTERVAL_S = 0.25
BAR_WIDTH = 40  # k6 pb.DefaultWidth: the widest bar, brackets included
MIN_BAR_WIDTH = 8  # k6 pb minWidth: at this width the bar turns into `[ 33% ]`
DEFAULT_TERM_WIDTH = 80  # k6's width when the terminal's is unknown
TERM_PADDING = 1  # k6 keeps the last column of the terminal free
MIN_LEFT = 4  # k6 aligns the names with its hidden "Init" bar, so at least 4 columns
MAX_LEFT = 30

# k6's bar status symbols (✗: the test was stopped before the scenario finished)
RUNNING, DONE, WAITING, INTERRUPTED = " ", "✓", "•", "✗"
_STATUS_STYLES = {DONE: "green", INTERRUPTED: "red", WAITING: "dim"}  # k6's statusColors


@dataclass(frozen=True, slots=True)
class RunLine:
    """The numbers of the first line: `running (01.0s), 07/12 VUs, 21 complete and 0 interrupted iterations`."""

    elapsed: float
    max_duration: float  # the whole test, incl. startTime and gracefulStop: fixes the time width
    active_vus: int
    max_vus: int
    complete: int
    interrupted: int


def status_mark(p: ScenarioProgress) -> str:
    """k6's mark before the bar: running, done (✓) or stopped before it finished (✗)."""
    if not p.done:
        return RUNNING
    # k6's trackProgress: ✗ when the test was stopped, or when a scenario ended short of its work
    # (shared-iterations cut by maxDuration); per-vu-iterations reports 1 once maxDuration passed
    return INTERRUPTED if p.stopped_early or p.fraction < 1 else DONE


def scenario_columns(p: ScenarioProgress, config: Any, test_elapsed: float) -> tuple[str, float, list[str]]:
    """(status, fraction, right-hand columns) of one scenario; the executor's config words the columns."""
    start_time = float(getattr(config, "start_time", 0.0) or 0.0)
    if not p.done and p.elapsed <= 0 and test_elapsed < start_time:
        return WAITING, 0.0, ["waiting", fixed_duration(start_time - test_elapsed, start_time)]
    status = status_mark(p)
    # a scenario cut short keeps its "spent/total" column and bar where it stopped, as in k6
    finished = status == DONE
    fraction = 1.0 if finished else min(max(p.fraction, 0.0), 1.0)
    columns = config.progress_columns(p, finished) if config is not None else generic_columns(p, finished)
    return status, fraction, columns


def run_line(run: RunLine) -> str:
    vus = f"{count_of(run.active_vus, run.max_vus)}/{run.max_vus}"
    return (
        f"running ({fixed_duration(run.elapsed, run.max_duration)}), {vus} VUs, "
        f"{run.complete} complete and {run.interrupted} interrupted iterations"
    )


def ordered(scenarios: Sequence[Any], configs: Mapping[str, Any]) -> list[Any]:
    """k6's order: by startTime, then by name (the execution plan's order)."""
    return sorted(scenarios, key=lambda s: (float(getattr(configs.get(s.name), "start_time", 0.0) or 0.0), s.name))


def render_lines(
    run: RunLine,
    scenarios: Sequence[Any],
    configs: Mapping[str, Any],
    *,
    tty: bool = False,
    width: int = DEFAULT_TERM_WIDTH,
) -> list[str]:
    """The progress block: the run line, then one line per scenario aligned in k6's columns.

    Not on a terminal the bar is k6's compact `[  33% ]`. On a terminal of `width` columns it is
    k6's drawn `[===>---]`, as wide as fits (k6 renderMultipleBars): the bar is what gives way, from
    40 columns down to 8, and below that it turns compact; names and numbers are never cut (past 30
    characters a name ends in "...", as in k6), so a terminal too narrow for them wraps, as k6's does.
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
    around = []  # (text before the bar, text after it, fraction) per scenario
    for name, status, fraction, right in rows:
        if len(name) > left:
            name = name[: left - 3] + "..."
        cells = "".join(f" {col:<{(widths[i] if i < 2 else 0) + 1}}" for i, col in enumerate(right))
        around.append((f"{name:<{left}} {status} ", cells, fraction))
    bar_width = MIN_BAR_WIDTH
    if tty and around:
        # k6 sizes the bars so that its longest line (padding included) ends one column short of the edge
        longest = max(len(before) + len(after) for before, after, _ in around)
        bar_width = min(max(width - TERM_PADDING - longest, MIN_BAR_WIDTH), BAR_WIDTH)
    # k6 pads the last column too; trailing blanks only clutter logs, so they go.
    return [run_line(run), *(f"{before}{bar(f, bar_width)}{after}".rstrip() for before, after, f in around)]


def bar(fraction: float, width: int = MIN_BAR_WIDTH) -> str:
    """k6's bar `width` columns wide, brackets included; at the minimum width, the percentage instead."""
    if width <= MIN_BAR_WIDTH:
        return f"[ {fraction * 100:3.0f}% ]"
    space = width - 2
    filled = int(space * fraction)
    if filled <= 0:
        return "[" + "-" * space + "]"
    if filled < space:
        return "[" + "=" * (filled - 1) + ">" + "-" * (space - filled) + "]"
    return "[" + "=" * space + "]"


def render_text(lines: list[str], width: int) -> Any:
    """The terminal view of `render_lines`: k6's colours on the status marks; a line wider than the
    terminal folds at its edge, character by character, as k6's lines do (rich would break at words)."""
    from rich.text import Text

    folded = [_fold(line, width) for line in lines]
    text = Text("\n".join(folded))
    offset = len(folded[0]) + 1
    for line, shown in zip(lines[1:], folded[1:], strict=True):
        mark = line.find(" [") - 1  # the status sits just before the bar
        style = _STATUS_STYLES.get(line[mark]) if mark > 0 else None
        if style is not None:
            at = offset + mark + mark // width  # one more character per fold before the mark
            text.stylize(style, at, at + 1)
        offset += len(shown) + 1
    return text


def _fold(line: str, width: int) -> str:
    return "\n".join(line[i : i + width] for i in range(0, len(line), width)) if width > 0 else line


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

    def snapshot(self, *, tty: bool = False, width: int = DEFAULT_TERM_WIDTH) -> list[str]:
        return render_lines(*self._state(), self.configs, tty=tty, width=width)

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

    def _lines(self) -> list[str] | None:
        """The block as it prints now: drawn to the terminal's width on one, compact elsewhere."""
        if self._live is None:
            return self._safely(lambda: self.snapshot())
        width = self._live.console.width  # (read now: the terminal may have been resized)
        return self._safely(lambda: self.snapshot(tty=True, width=width))

    def _safely(self, draw: Any) -> Any:
        try:
            return draw()
        except Exception:  # progress must never break a run
            if not self._failed:  # say it once, in the log, and carry on without progress
                self._failed = True
                log.warning("live progress failed", exc_info=True)
            return None

    def _show(self) -> None:
        lines = self._lines()
        if self._live is not None:
            if lines is not None:
                self._live.update(render_text(lines, self._live.console.width), refresh=True)
            return
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
        self._final = self._lines()  # on a terminal, drawn bars as k6's last block
        if show_final:
            self.show_final()

    def show_final(self) -> None:
        """The final state, once (it stays on screen, as k6's does)."""
        lines, self._final = self._final, None
        if lines is not None:
            self.stream.write("\n" + "\n".join(lines) + "\n")
            self.stream.flush()
