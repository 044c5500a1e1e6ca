"""The composition root of one `loadpy run`/`inspect`: RunRequest → TestPlan → a backend → the end of run.

This module only wires the stages together; each lives in its own module of loadpy.pipeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Iterator
from typing import Any

from loadpy.base.collector import start_up_burst
from loadpy.errors import ScriptError
from loadpy.logs import setup_from_args
from loadpy.pipeline.backends import open_backend
from loadpy.pipeline.eventloop import install_event_loop
from loadpy.pipeline.finish import finish_run
from loadpy.pipeline.outputs import finish_reports, start_outputs, start_report_recorder, write_html_report
from loadpy.pipeline.plan import TestPlan, plan_test
from loadpy.pipeline.request import RunRequest

log = logging.getLogger("loadpy")
SIGNAL_WORDS = {signal.SIGINT: "interrupt", signal.SIGTERM: "terminated"}  # Go's names, as k6 logs them


@contextlib.contextmanager
def _maybe_demo(enabled: bool) -> Iterator[str | None]:
    if not enabled:
        yield None
        return
    from loadpy.demo.server import demo_subprocess

    with demo_subprocess() as base_url:
        yield base_url


def run(request: RunRequest) -> int:
    setup_from_args(request)
    with _maybe_demo(request.demo) as demo_url:
        with start_up_burst():
            plan = plan_test(request, demo_url)
        dashboard = _dashboard_options(request)
        if request.cluster is not None:  # --engine ray: the same coordinator, workers on Ray node agents
            from loadpy.cluster.ray_engine import run_on_ray

            return run_on_ray(plan, request.cluster, _Execute(dashboard))
        workers = 1
        if request.workers is not None:  # (the coordinator's module is loaded by who asks for workers)
            from loadpy.workers.coordinator import check_supported, resolve_worker_count

            workers = resolve_worker_count(request.workers)
            if workers > 1:  # --workers N: one coordinator, N processes (loadpy/workers)
                check_supported(plan.options, workers, dashboard=dashboard is not None)
        install_event_loop()
        return asyncio.run(execute(plan, workers, dashboard))


async def execute(p: TestPlan, workers: int, dashboard_options: Any, launcher: Any = None) -> int:
    """Around the lifecycle, whatever the backend: the outputs, banner, signals, report recorder, progress
    and live dashboard, then the end of run (summary, exports, reports) and k6's exit code."""
    opts = p.options
    dashboard = await _start_dashboard(p, dashboard_options)
    outputs = start_outputs(p)
    backend = open_backend(p, workers, launcher)
    lifecycle = backend.lifecycle
    if not opts.quiet:
        from loadpy.cli.banner import banner

        print(banner(p.path, opts, outputs), flush=True)
        if backend.banner_note:
            print(backend.banner_note, flush=True)
    loop = asyncio.get_running_loop()
    if dashboard is not None:
        dashboard.begin(loop, quiet=bool(opts.quiet))
    received: list[str] = []  # the signals, in Go's words, for k6's closing error line

    def on_signal(word: str) -> None:
        received.append(word)
        lifecycle.interrupt()

    for sig, word in SIGNAL_WORDS.items():
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, on_signal, word)
    recorder = start_report_recorder(p, p.report, loop)
    progress = None
    if not opts.quiet:
        from loadpy.cli.progress import Progress

        progress = Progress(backend)
        progress.start()
    try:
        state = await lifecycle.run()
    finally:
        if recorder is not None:
            recorder.stop()
        if progress is not None:
            await progress.stop(show_final=False)  # k6 prints it after the summary
        for sig in SIGNAL_WORDS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        if outputs is not None:
            outputs.stop()
    results = finish_run(p, state)
    if progress is not None:
        progress.show_final()
    if state.interrupted and received:
        log.error("test run was aborted because loadpy received a '%s' signal", received[0])
    finish_reports(p, outputs, results)
    if recorder is not None and p.report:
        write_html_report(p.report, p, results.summary, recorder, state.test_run_duration_s)
    if dashboard is not None:
        await _finish_dashboard(dashboard, p, results.summary, state.test_run_duration_s)
    return results.exit_code


class _Execute:
    """`execute` with the run's dashboard settings bound, for a backend that sets up its own machines
    first (`--engine ray`, loadpy.cluster.ray_engine)."""

    def __init__(self, dashboard_options: Any) -> None:
        self.options = dashboard_options
        self.dashboard = dashboard_options is not None

    async def __call__(self, plan: TestPlan, workers: int, launcher: Any) -> int:
        return await execute(plan, workers, self.options, launcher)


def _dashboard_options(request: RunRequest) -> Any:
    """--dashboard / K6_WEB_DASHBOARD*: the live dashboard's settings, validated before any request."""
    from loadpy.dashboard import dashboard_options

    return dashboard_options(request.dashboard, request.environ)


async def _start_dashboard(p: TestPlan, options: Any) -> Any:
    """Bind the dashboard's port before anything starts (a taken port ends the run, as in k6)."""
    if options is None:
        return None
    from loadpy.dashboard import LiveDashboard, report_builder

    build = report_builder(p.registry, p.thresholds, p.options, p.masker.mask_data, p.path)
    dashboard = LiveDashboard(options, p.registry, build)
    await dashboard.listen()
    return dashboard


async def _finish_dashboard(dashboard: Any, p: TestPlan, summary: Any, duration_s: float) -> None:
    """Final numbers to the open pages, then K6_WEB_DASHBOARD_EXPORT (the same report as --report)."""
    await dashboard.close()
    if dashboard.options.export:
        write_html_report(dashboard.options.export, p, summary, dashboard.recorder, duration_s)


def inspect(request: RunRequest) -> int:
    """`loadpy inspect FILE`: the resolved options and scenarios, as JSON, without running anything."""
    setup_from_args(request, level=logging.WARNING)
    prepared = plan_test(request, None)
    opts = prepared.options
    out = dict(opts.raw)
    out["scenarios"] = {name: sc.to_dict() for name, sc in opts.scenarios.items()}
    # masked as data, then printed past the terminal's text masking: a short secret keeps the JSON valid
    from loadpy.outputs.files import write_stream
    from loadpy.secrets import unmasked

    document = json.loads(json.dumps(out, default=str))
    text = json.dumps(prepared.masker.mask_data(document, user_data=True), indent=2) + "\n"
    write_stream(unmasked(sys.stdout), text.encode())
    return 0


__all__ = ["ScriptError", "inspect", "plan_test", "run"]
