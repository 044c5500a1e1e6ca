"""The one lifecycle of a run, whatever runs the VUs (this process's Engine, N worker processes):

    REST API up → create the VUs → (paused: wait for resume) → the test clock starts → setup once →
    the scenarios (the start barrier: every VU exists before any starts) → teardown once → RunState

While it runs, two tickers sample it: `vus`/`vus_max` every second and the thresholds every two seconds
(which may abort the run: abortOnFail). Stops come from SIGINT/SIGTERM (`interrupt`), a threshold abort, a
failure the backend reports (`abort`), or the REST API; the first reason to stop sets the exit code. The
lifecycle is also what the REST API talks to (loadpy.engine.control): status, pause/resume, stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from enum import IntEnum
from typing import Any, Protocol

from loadpy.clock import now
from loadpy.errors import ExitCode, LoadpyError, ScriptError, SetupTimeoutError, TeardownTimeoutError, TestAbort
from loadpy.pipeline.results import RunState

log = logging.getLogger("loadpy.engine")

VUS_TICK_S = 1.0
THRESHOLD_TICK_S = 2.0

# k6's one line when a threshold with abortOnFail stops the test (it names every crossed metric)
THRESHOLD_ABORT_LINE = (
    "thresholds on metrics '%s' were crossed; at least one has abortOnFail enabled, stopping test prematurely"
)


class Phase(IntEnum):
    """k6 execution status numbers (shown by GET /v1/status)."""

    CREATED = 0
    INIT_VUS = 1
    INIT_EXECUTORS = 2
    INIT_DONE = 3
    PAUSED_BEFORE_RUN = 4
    STARTED = 5
    SETUP = 6
    RUNNING = 7
    TEARDOWN = 8
    ENDED = 9
    INTERRUPTED = 10


class Backend(Protocol):
    """What runs the VUs, driven by the lifecycle: loadpy.engine.scheduler.Engine (this process) or
    loadpy.workers.coordinator.Coordinator (N worker processes)."""

    async def create_vus(self) -> None:
        """k6's InitVUs: every VU the test needs exists when this returns (the start barrier)."""

    async def run_scenarios(self, setup_data: Any) -> None:
        """Run every scenario with setup()'s data; returns when every VU has ended."""

    def halt(self, code: ExitCode, *, graceful: bool) -> None:
        """Stop what runs: graceful lets iterations finish within gracefulStop."""

    async def close(self) -> None:
        """Release the VUs (or processes), whatever happened."""

    def active_vus(self) -> int: ...

    def vus_max(self) -> int: ...

    def on_tick(self) -> None:
        """Every second, after the VU gauges are recorded."""

    def test_failed(self) -> bool:
        """A VU marked the test failed (exit 110 unless a stop set another code)."""

    def idle_s(self) -> float:
        """Time after the last VU ended that is not test run time (e.g. worker processes exiting)."""

    def external_runner(self) -> Any:
        """The externally-controlled runner the REST API scales, or None."""

    async def set_paused_running(self, paused: bool) -> str | None:
        """Pause/resume once the test started; k6's error text when it can't."""


def seconds_text(seconds: float) -> str:
    return str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"


class Lifecycle:
    def __init__(
        self,
        backend: Backend,
        *,
        runtime: Any,  # loadpy.engine.interfaces.Runtime: setup() and teardown() run here, once
        registry: Any,  # loadpy.metrics.Registry: the VU gauges go here
        run_tags: Any = (),
        setup_timeout: float = 60.0,
        teardown_timeout: float = 60.0,
        no_setup: bool = False,
        no_teardown: bool = False,
        threshold_tick: Callable[[float], bool] | None = None,
        threshold_failures: Callable[[], list[str]] | None = None,
        paused: bool = False,
        control_address: str | None = None,
    ) -> None:
        self.backend = backend
        self.runtime = runtime
        self.registry = registry
        self.run_tags = run_tags
        self.setup_timeout = setup_timeout
        self.teardown_timeout = teardown_timeout
        self.no_setup = no_setup
        self.no_teardown = no_teardown
        self.threshold_tick = threshold_tick
        self.threshold_failures = threshold_failures  # the metrics named in k6's abort line
        self.control_address = control_address
        self.phase = Phase.CREATED
        self.paused = paused
        self.stopped = False
        self.setup_data: Any = None
        self.started_at: float | None = None
        self.api_address: str | None = None  # host:port the REST API listens on (port 0 → the real one)
        self._exit: ExitCode | None = None  # the first reason to stop wins
        self._error: LoadpyError | None = None
        self._interrupts = 0
        self._stop_event: asyncio.Event | None = None
        self._resume_event: asyncio.Event | None = None
        self._current: asyncio.Task[Any] | None = None  # setup/teardown, cancelled by a hard stop

    # -- stopping ---------------------------------------------------------------------
    @property
    def exit_code(self) -> ExitCode | None:
        """The first reason to stop, None while nothing stopped the run."""
        return self._exit

    def stop(self, code: ExitCode, error: LoadpyError | None = None, *, graceful: bool) -> None:
        if self._exit is None:
            self._exit = code
            self._error = error
        self.stopped = True
        if self._stop_event is not None:
            self._stop_event.set()
        if self._resume_event is not None:
            self._resume_event.set()
        self.backend.halt(code, graceful=graceful)

    def interrupt(self) -> None:
        """SIGINT/SIGTERM: running iterations get their gracefulStop, then teardown (exit 105).
        A second call stops everything at once."""
        self._interrupts += 1
        if self._interrupts == 1:
            log.warning("Stopping the test run gracefully (press Ctrl+C again to stop at once)")
            self.stop(ExitCode.INTERRUPTED, graceful=True)
            self._cancel_setup()
        else:
            self.stop(ExitCode.INTERRUPTED, graceful=False)
            self._cancel_current()

    def abort(self, code: ExitCode, error: LoadpyError | None = None) -> None:
        """Hard-stop the scenarios now (threshold abort, TestAbort, REST stop); teardown still runs."""
        self.stop(code, error, graceful=False)
        self._cancel_setup()

    def _cancel_setup(self) -> None:
        if self.phase is Phase.SETUP:
            self._cancel_current()

    def _cancel_current(self) -> None:
        if self._current is not None and not self._current.done():
            self._current.cancel()

    # -- the run ----------------------------------------------------------------------
    async def run(self) -> RunState:
        self._stop_event = asyncio.Event()
        self._resume_event = asyncio.Event()
        if not self.paused or self.stopped:
            self._resume_event.set()
        server = None
        try:
            if self.control_address:
                server = await self._start_api(self.control_address)
            self.phase = Phase.INIT_VUS
            await self.backend.create_vus()
            self.phase = Phase.INIT_DONE
            if self.paused:
                self.phase = Phase.PAUSED_BEFORE_RUN
                await self._resume_event.wait()
            return await self._run_started()
        finally:
            if server is not None:
                server.close()
                with contextlib.suppress(Exception):
                    await server.wait_closed()
            await self.backend.close()

    async def _start_api(self, address: str) -> asyncio.AbstractServer | None:
        """Start the REST API. Like k6, a busy *default* address only warns; any other fails (106)."""
        from loadpy.engine.control import start_api

        server, self.api_address = await start_api(self, address)  # type: ignore[arg-type]  # answers as an Engine
        return server

    async def _run_started(self) -> RunState:
        self.phase = Phase.STARTED
        self.started_at = start = now()
        tickers = [asyncio.ensure_future(self._vus_ticker(start))]
        if self.threshold_tick is not None:
            tickers.append(asyncio.ensure_future(self._threshold_ticker(start)))
        setup_ok = True
        try:
            if not self.no_setup and not self.stopped:
                setup_ok = await self._setup()
            if setup_ok:
                self.phase = Phase.RUNNING
                await self.backend.run_scenarios(self.setup_data)
        finally:
            for ticker in tickers:
                ticker.cancel()
            await asyncio.gather(*tickers, return_exceptions=True)
        idle = self.backend.idle_s()
        if setup_ok and not self.no_teardown:
            await self._teardown()
        duration = now() - start - idle
        self.phase = Phase.INTERRUPTED if self._exit is ExitCode.INTERRUPTED else Phase.ENDED
        code = self._exit if self._exit is not None else ExitCode.OK
        if code in (ExitCode.OK, ExitCode.THRESHOLDS_FAILED) and self.backend.test_failed():
            code = ExitCode.TEST_FAILED
        return RunState(
            exit_code=code,
            setup_data=self.setup_data,
            test_run_duration_s=duration,
            interrupted=self._exit is ExitCode.INTERRUPTED,
            aborted_by_thresholds=self._exit is ExitCode.THRESHOLDS_FAILED,
            error=self._error,
        )

    async def _setup(self) -> bool:
        """Run setup; False when it failed (then neither scenarios nor teardown run)."""
        self.phase = Phase.SETUP
        self._current = asyncio.ensure_future(self.runtime.setup())
        try:
            self.setup_data = await asyncio.wait_for(self._current, timeout=self.setup_timeout)
        except TimeoutError:
            err = SetupTimeoutError(f"setup() execution timed out after {seconds_text(self.setup_timeout)} seconds")
            log.error("%s", err)
            self.stop(err.exit_code, err, graceful=False)
            return False
        except asyncio.CancelledError:
            if not self.stopped:  # our own task is being cancelled, not just setup
                raise
            return False
        except LoadpyError as exc:
            _log_phase_error(exc)  # e.g. setup() data that JSON can't carry: say so, as k6 does
            self.stop(exc.exit_code, exc, graceful=False)
            return False
        except Exception as exc:
            failure = ScriptError(f"setup() failed: {exc}")
            self.stop(failure.exit_code, failure, graceful=False)
            return False
        finally:
            self._current = None
        return True

    async def _teardown(self) -> None:
        if self._interrupts > 1:
            return
        self.phase = Phase.TEARDOWN
        self._current = asyncio.ensure_future(self.runtime.teardown(self.setup_data))
        try:
            await asyncio.wait_for(self._current, timeout=self.teardown_timeout)
        except TimeoutError:
            err = TeardownTimeoutError(
                f"teardown() execution timed out after {seconds_text(self.teardown_timeout)} seconds"
            )
            log.error("%s", err)
            if self._exit is None:
                self._exit, self._error = err.exit_code, err
        except asyncio.CancelledError:
            if self._interrupts <= 1:
                raise
        except LoadpyError as exc:
            _log_phase_error(exc)
            if self._exit is None:
                self._exit, self._error = exc.exit_code, exc
        except Exception as exc:
            failure = ScriptError(f"teardown() failed: {exc}")
            log.error("%s", failure)
            if self._exit is None:
                self._exit, self._error = failure.exit_code, failure
        finally:
            self._current = None

    async def wait_for_stop(self, timeout: float) -> None:
        """Sleep up to `timeout` seconds, less when the run stops (a scenario's startTime)."""
        assert self._stop_event is not None
        if not self.stopped:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_event.wait(), timeout=timeout)

    # -- tickers ------------------------------------------------------------------------
    async def _vus_ticker(self, start: float) -> None:
        vus = self.registry.metrics["vus"]
        vus_max = self.registry.metrics["vus_max"]
        tick = 1
        while True:
            await asyncio.sleep(max(0.0, start + tick * VUS_TICK_S - now()))
            tick += 1
            self.registry.add(vus, self.run_tags, float(self.backend.active_vus()))
            self.registry.add(vus_max, self.run_tags, float(self.backend.vus_max()))
            self.backend.on_tick()

    async def _threshold_ticker(self, start: float) -> None:
        assert self.threshold_tick is not None
        tick = 1
        while True:
            await asyncio.sleep(max(0.0, start + tick * THRESHOLD_TICK_S - now()))
            tick += 1
            if self.threshold_tick(now() - start) and not self.stopped:
                failed = self.threshold_failures() if self.threshold_failures is not None else []
                log.error(THRESHOLD_ABORT_LINE, ", ".join(failed))
                self.abort(ExitCode.THRESHOLDS_FAILED)

    # -- what the REST API reads and changes (loadpy.engine.control) ----------------------
    def status(self) -> dict[str, Any]:
        """k6's /v1/status attributes."""
        return {
            "status": int(self.phase),
            "paused": self.paused,
            "vus": self.backend.active_vus(),
            "vus-max": self.backend.vus_max(),
            "stopped": self.stopped,
            "running": self.phase is Phase.RUNNING,
            "tainted": False,
        }

    def external_runner(self) -> Any:
        return self.backend.external_runner()

    async def set_paused(self, paused: bool) -> str | None:
        """Pause/resume; k6's error text when it can't (after the start, the backend decides)."""
        if self.phase <= Phase.PAUSED_BEFORE_RUN:
            if paused and self.paused:
                return "execution is already paused"
            self.paused = paused
            if not paused and self._resume_event is not None:
                self._resume_event.set()
            return None
        error = await self.backend.set_paused_running(paused)
        if error is None:
            self.paused = paused
        return error

    def stop_from_api(self) -> None:
        log.error("test run stopped from REST API")
        self.abort(ExitCode.STOPPED_BY_API)


def _log_phase_error(exc: LoadpyError) -> None:
    """A setup()/teardown() failure ends the run with its exit code: the user must see why (once: a
    JavaScript exception was logged where it was thrown, as k6 logs it)."""
    if getattr(exc, "logged", False):
        return
    log.error("test aborted: %s" if isinstance(exc, TestAbort) else "%s", exc)
