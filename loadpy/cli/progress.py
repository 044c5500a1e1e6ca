"""Live progress: a rich view on a terminal, a plain line every few seconds elsewhere (CI logs).

It only reads the engine's progress snapshot; it never touches the hot path.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any

from loadpy.clock import now

PLAIN_INTERVAL_S = 5.0
TTY_INTERVAL_S = 0.25


def _fmt_elapsed(seconds: float) -> str:
    minutes, secs = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes):02d}m{secs:04.1f}s"


def render_lines(engine: Any, elapsed: float) -> list[str]:
    scenarios = engine.progress()
    active = sum(getattr(s, "active_vus", 0) for s in scenarios)
    max_vus = sum(getattr(s, "max_vus", 0) for s in scenarios)
    done = sum(getattr(s, "iterations_done", 0) for s in scenarios)
    interrupted = sum(getattr(s, "interrupted", 0) for s in scenarios)
    lines = [
        f"running ({_fmt_elapsed(elapsed)}), {active:02d}/{max_vus:02d} VUs, "
        f"{done} complete and {interrupted} interrupted iterations"
    ]
    for s in scenarios:
        total = getattr(s, "total", 0.0) or 0.0
        s_elapsed = getattr(s, "elapsed", 0.0) or 0.0
        pct = 100.0 if getattr(s, "done", False) else (min(s_elapsed / total, 1.0) * 100 if total else 0.0)
        dropped = getattr(s, "dropped", 0)
        extra = f", {dropped} dropped" if dropped else ""
        lines.append(
            f"{s.name} [{pct:5.1f}%] {getattr(s, 'active_vus', 0)}/{getattr(s, 'max_vus', 0)} VUs  "
            f"{_fmt_elapsed(s_elapsed)}/{_fmt_elapsed(total)}  {getattr(s, 'iterations_done', 0)} iters{extra}"
        )
    return lines


class Progress:
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._task: asyncio.Task[None] | None = None
        self._start = now()
        self._live: Any = None

    def start(self) -> None:
        self._start = now()
        if sys.stdout.isatty():
            from rich.console import Console
            from rich.live import Live

            self._live = Live(console=Console(), auto_refresh=False, transient=True)
            self._live.start()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        interval = TTY_INTERVAL_S if self._live is not None else PLAIN_INTERVAL_S
        while True:
            await asyncio.sleep(interval)
            self._show()

    def _show(self) -> None:
        try:
            lines = render_lines(self.engine, now() - self._start)
        except Exception:  # progress must never break a run
            return
        if self._live is not None:
            from rich.text import Text

            self._live.update(Text("\n".join(lines)), refresh=True)
        else:
            print("\n".join(lines), flush=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._live is not None:
            self._live.stop()
        self._show_final()

    def _show_final(self) -> None:
        try:
            lines = render_lines(self.engine, now() - self._start)
        except Exception:
            return
        print("\n" + "\n".join(lines) + "\n", flush=True)
