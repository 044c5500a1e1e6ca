"""The live dashboard of one run: the HTML report's page, updated once per period.

Its data is the report's (loadpy.report.report_data), read from a summary of the run so far, the
registry and a TimeSeriesRecorder of its own once per period, and only while a page is connected:
with nobody watching, a period costs one timer wake-up. The hot path never sees the dashboard.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import webbrowser
from collections.abc import Callable
from typing import Any

from loadpy import clock
from loadpy.dashboard.options import DashboardOptions
from loadpy.dashboard.server import DashboardServer, sse_event
from loadpy.metrics.registry import Registry
from loadpy.metrics.thresholds import Thresholds
from loadpy.report import TimeSeriesRecorder, render_report, report_data
from loadpy.report.html import render_sections
from loadpy.report.units import clock as clock_text
from loadpy.summary import build_summary

log = logging.getLogger("loadpy")

# The busiest request names shown live (the export at the end lists up to report.data.MAX_NAME_ROWS):
# each one costs a merge of its duration histograms at every update.
LIVE_NAME_ROWS = 25
# (recorder, seconds since the start) -> the report data of that moment
DataBuilder = Callable[[TimeSeriesRecorder, float], dict[str, Any]]


def report_builder(
    registry: Registry, thresholds: Thresholds | None, options: Any, mask: Callable[[Any], Any], script: str
) -> DataBuilder:
    """The report data of the run so far, built as the end-of-run report builds it (`options`:
    the run's resolved options; `mask` hides secret values, as in every file loadpy writes)."""

    def build(recorder: TimeSeriesRecorder, elapsed_s: float) -> dict[str, Any]:
        summary = build_summary(
            registry,
            thresholds,
            test_run_duration_s=elapsed_s,
            summary_trend_stats=list(options.summary_trend_stats),
            summary_time_unit=None,
            system_tags=options.system_tags,
        )
        meta = {"script": script, "duration_s": elapsed_s}
        data = report_data(registry, summary, recorder, meta, max_names=LIVE_NAME_ROWS)
        return dict(mask(data))

    return build


class LiveDashboard:
    def __init__(self, options: DashboardOptions, registry: Registry, build: DataBuilder) -> None:
        self.options = options
        # Points no longer than the period, and at most a second: the page's charts stay fine-grained.
        self.recorder = TimeSeriesRecorder(registry, interval_s=min(1.0, options.period_s))
        self._build = build
        self._server = DashboardServer(self._page, self._greeting) if options.serves else None
        self._task: asyncio.Task[None] | None = None
        self._opener: asyncio.Task[None] | None = None
        self._guard: asyncio.Task[None] | None = None
        self._started = clock.now()
        self.updates = 0

    @property
    def url(self) -> str:
        """The page's address (a wildcard listen address is reached through loopback)."""
        if self._server is None:
            return ""
        host = self.options.host if self.options.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self._server.port}"

    async def listen(self) -> None:
        """Bind the port: DashboardError (exit 255) before the run when it is taken."""
        if self._server is not None:
            await self._server.listen(self.options.host, self.options.port)
            self._guard = asyncio.get_running_loop().create_task(self._abort_when_cancelled())

    async def _abort_when_cancelled(self) -> None:
        """If the run ends by an exception, asyncio.run cancels this task: the port is freed
        even though close() is never reached (loadpy.run() runs in the caller's process)."""
        try:
            await asyncio.Event().wait()
        finally:
            if self._server is not None:
                self._server.abort()

    def begin(self, loop: asyncio.AbstractEventLoop, *, quiet: bool) -> None:
        """The run starts: record, publish every period, say where the page is, open it if asked."""
        self._started = clock.now()
        self.recorder.start(loop)
        if self._server is not None:
            self._task = loop.create_task(self._publish_every_period(), name="loadpy-dashboard")
            if not quiet:
                print(f"     web dashboard: {self.url}", flush=True)
        if self.options.open:
            if self._server is None:
                log.warning(
                    "K6_WEB_DASHBOARD_OPEN=true: there is no page to open, K6_WEB_DASHBOARD_PORT=%d serves none",
                    self.options.port,
                )
            else:
                self._opener = loop.create_task(self._open_browser(), name="loadpy-dashboard-open")

    async def _open_browser(self) -> None:
        # webbrowser may wait for the browser command to exit: keep it off the event loop.
        opened = await asyncio.to_thread(webbrowser.open, self.url)
        if not opened:
            log.warning("K6_WEB_DASHBOARD_OPEN=true: no web browser could be started here; open %s yourself", self.url)

    async def _publish_every_period(self) -> None:
        assert self._server is not None
        period = self.options.period_s
        due = self._started
        while True:
            due += period  # on a fixed grid: publishing does not drift by its own cost
            await asyncio.sleep(max(0.0, due - clock.now()))
            if not self._server.watchers:
                continue
            try:
                self._server.publish(self._snapshot_event())
            except Exception as exc:  # a failed update must not end the run, nor the next updates
                log.warning("web dashboard: this update failed: %s", exc)

    def _data(self) -> dict[str, Any]:
        return self._build(self.recorder, clock.now() - self._started)

    def _page(self) -> str:
        return render_report(self._data(), live=True)

    def _snapshot_event(self, status: str | None = None) -> bytes:
        main, charts = render_sections(self._data())
        self.updates += 1
        elapsed = clock_text(clock.now() - self._started)
        text = status or f"live: {elapsed} elapsed, updated every {clock_text(self.options.period_s)}"
        return sse_event("snapshot", json.dumps({"main": main, "charts": charts, "status": text}))

    def _greeting(self) -> bytes:
        return self._snapshot_event()

    async def close(self) -> None:
        """The run is over: stop recording, send every page the final numbers, stop serving."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._opener is not None and not self._opener.done():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._opener), 5.0)
        self.recorder.stop()
        if self._server is not None:
            if self._server.watchers:
                self._server.publish(self._snapshot_event("run finished"))
            await self._server.close(sse_event("done", json.dumps({"status": "run finished"})))
        if self._guard is not None:
            self._guard.cancel()
        sys.stdout.flush()
