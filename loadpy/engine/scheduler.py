"""The run lifecycle: VU pool → setup → scenarios (each at its startTime) → teardown.

The test-run clock starts just before setup and ends after teardown. While scenarios
run, two tickers sample the run: `vus`/`vus_max` every second and the thresholds every
two seconds (which may abort the run). Stops come from SIGINT/SIGTERM (`interrupt`), a
threshold abort, a TestAbort from a VU, or the REST API; teardown always runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from loadpy.base.progress import ScenarioProgress
from loadpy.base.runtime import Runtime
from loadpy.clock import now
from loadpy.engine.pool import VUPool, planned_pool_size
from loadpy.errors import (
    ConfigError,
    ExitCode,
    LoadpyError,
    ScriptError,
    SetupTimeoutError,
    TeardownTimeoutError,
    TestAbort,
)
from loadpy.executors.base import ExecutorConfig, ExecutorRunner, RunEnv
from loadpy.executors.externally_controlled import ExternallyControlledRunner
from loadpy.metrics.registry import FOLD_BATCH, Registry
from loadpy.metrics.tags import TagSet
from loadpy.segments import resolve

log = logging.getLogger("loadpy.engine")

VUS_TICK_S = 1.0
THRESHOLD_TICK_S = 2.0


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


@dataclass
class RunResult:
    exit_code: ExitCode
    setup_data: Any
    test_run_duration_s: float
    interrupted: bool
    aborted_by_thresholds: bool
    error: LoadpyError | None


# k6's one line when a threshold with abortOnFail stops the test (it names every crossed metric)
THRESHOLD_ABORT_LINE = (
    "thresholds on metrics '%s' were crossed; at least one has abortOnFail enabled, stopping test prematurely"
)


def _seconds_text(seconds: float) -> str:
    return str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"


class Engine:
    def __init__(
        self,
        *,
        scenarios: Mapping[str, ExecutorConfig],
        runtime: Runtime,
        registry: Registry,
        run_tags: TagSet = (),
        segment: str | None = None,
        segment_sequence: str | None = None,
        setup_timeout: float = 60.0,
        teardown_timeout: float = 60.0,
        no_setup: bool = False,
        no_teardown: bool = False,
        threshold_tick: Callable[[float], bool] | None = None,
        threshold_failures: Callable[[], list[str]] | None = None,
        scenario_tag: bool = True,
        paused: bool = False,
        control_address: str | None = None,
    ) -> None:
        self.scenarios = dict(scenarios)
        self.runtime = runtime
        self.registry = registry
        self.run_tags = run_tags
        self.stripe = resolve(segment, segment_sequence)
        if not self.stripe.is_full:
            for config in self.scenarios.values():
                if config.executor == "externally-controlled":
                    raise ConfigError(
                        f"the externally-controlled executor of scenario {config.name} can't be used with "
                        "execution segments",
                        key="--execution-segment",
                    )
        self.setup_timeout = setup_timeout
        self.teardown_timeout = teardown_timeout
        self.no_setup = no_setup
        self.no_teardown = no_teardown
        self.threshold_tick = threshold_tick
        self.threshold_failures = threshold_failures  # the metrics named in k6's abort line
        self.control_address = control_address
        self.pool = VUPool(runtime, self.stripe)
        env = RunEnv(
            pool=self.pool,
            registry=registry,
            stripe=self.stripe,
            run_tags=run_tags,
            scenario_tag=scenario_tag,
            on_fatal=self._on_fatal,
        )
        self.runners: dict[str, ExecutorRunner] = {name: c.new_runner(env) for name, c in self.scenarios.items()}
        self.phase = Phase.CREATED
        self.paused = paused
        self.setup_data: Any = None
        self.started_at: float | None = None
        self._exit: ExitCode | None = None  # the first reason to stop wins
        self._error: LoadpyError | None = None
        self._interrupts = 0
        self._stop_event: asyncio.Event | None = None
        self._resume_event: asyncio.Event | None = None
        self._current: asyncio.Task[Any] | None = None  # setup/teardown, cancelled by a hard stop
        self.stopped = False
        self.api_address: str | None = None  # host:port the REST API listens on (port 0 → the real one)

    # -- stopping ---------------------------------------------------------------------
    def _stop_all(self, code: ExitCode, error: LoadpyError | None, *, graceful: bool) -> None:
        if self._exit is None:
            self._exit = code
            self._error = error
        self.stopped = True
        if self._stop_event is not None:
            self._stop_event.set()
        if self._resume_event is not None:
            self._resume_event.set()
        for runner in self.runners.values():
            if runner.started_at is not None and not runner.done:
                runner.stop(graceful=graceful)

    def interrupt(self) -> None:
        """SIGINT/SIGTERM: running iterations get their gracefulStop, then teardown (exit 105).
        A second call stops everything at once."""
        self._interrupts += 1
        if self._interrupts == 1:
            log.warning("Stopping the test run gracefully (press Ctrl+C again to stop at once)")
            self._stop_all(ExitCode.INTERRUPTED, None, graceful=True)
            self._cancel_setup()
        else:
            self._stop_all(ExitCode.INTERRUPTED, None, graceful=False)
            self._cancel_current()

    def abort(self, code: ExitCode, error: LoadpyError | None = None) -> None:
        """Hard-stop the scenarios now (threshold abort, TestAbort, REST stop); teardown still runs."""
        self._stop_all(code, error, graceful=False)
        self._cancel_setup()

    def _cancel_setup(self) -> None:
        if self.phase is Phase.SETUP:
            self._cancel_current()

    def _cancel_current(self) -> None:
        if self._current is not None and not self._current.done():
            self._current.cancel()

    def _on_fatal(self, exc: BaseException) -> None:
        if isinstance(exc, TestAbort):
            log.error("test aborted: %s", exc)
            self.abort(ExitCode.SCRIPT_ABORTED, exc)
        elif isinstance(exc, LoadpyError):
            self.abort(exc.exit_code, exc)
        else:
            self.abort(ExitCode.GENERIC, LoadpyError(f"internal error: {exc!r}"))

    # -- the run ----------------------------------------------------------------------
    async def run(self) -> RunResult:
        self._stop_event = asyncio.Event()
        self._resume_event = asyncio.Event()
        if not self.paused or self.stopped:
            self._resume_event.set()
        server = None
        try:
            if self.control_address:
                server = await self._start_api(self.control_address)
            self.phase = Phase.INIT_VUS
            await self.pool.preallocate_in_chunks(planned_pool_size(self.scenarios.values(), self.stripe))
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
            await self.pool.close()

    async def _start_api(self, address: str) -> asyncio.AbstractServer | None:
        """Start the REST API. Like k6, a busy *default* address only warns; any other fails (106)."""
        from loadpy.engine.control import start_api

        server, self.api_address = await start_api(self, address)
        return server

    async def _run_started(self) -> RunResult:
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
                await self._run_scenarios()
        finally:
            for ticker in tickers:
                ticker.cancel()
            await asyncio.gather(*tickers, return_exceptions=True)
        if setup_ok and not self.no_teardown:
            await self._teardown()
        duration = now() - start
        self.phase = Phase.INTERRUPTED if self._exit is ExitCode.INTERRUPTED else Phase.ENDED
        code = self._exit if self._exit is not None else ExitCode.OK
        if code in (ExitCode.OK, ExitCode.THRESHOLDS_FAILED) and self.runtime.test_failed:
            code = ExitCode.TEST_FAILED
        return RunResult(
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
            err = SetupTimeoutError(f"setup() execution timed out after {_seconds_text(self.setup_timeout)} seconds")
            log.error("%s", err)
            self._stop_all(err.exit_code, err, graceful=False)
            return False
        except asyncio.CancelledError:
            if not self.stopped:  # our own task is being cancelled, not just setup
                raise
            return False
        except LoadpyError as exc:
            _log_phase_error(exc)  # e.g. setup() data that JSON can't carry: say so, as k6 does
            self._stop_all(exc.exit_code, exc, graceful=False)
            return False
        except Exception as exc:
            failure = ScriptError(f"setup() failed: {exc}")
            self._stop_all(failure.exit_code, failure, graceful=False)
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
                f"teardown() execution timed out after {_seconds_text(self.teardown_timeout)} seconds"
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

    async def _run_scenarios(self) -> None:
        self.phase = Phase.RUNNING
        exec_start = now()  # startTime counts from the end of setup
        tasks = [asyncio.ensure_future(self._run_scenario(r, exec_start)) for r in self.runners.values()]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        if not any(r.completed for r in self.runners.values()) and self._exit is None:
            log.warning("No script iterations fully finished, consider making the test duration longer")

    async def _run_scenario(self, runner: ExecutorRunner, exec_start: float) -> None:
        assert self._stop_event is not None
        delay = exec_start + runner.config.start_time - now()
        if delay > 0 and not self.stopped:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_event.wait(), timeout=delay)
        if self.stopped:
            runner.done = True  # never started
            return
        await runner.run()

    async def _vus_ticker(self, start: float) -> None:
        vus = self.registry.metrics["vus"]
        vus_max = self.registry.metrics["vus_max"]
        tick = 1
        while True:
            await asyncio.sleep(max(0.0, start + tick * VUS_TICK_S - now()))
            tick += 1
            self.registry.add(vus, self.run_tags, float(self.active_vus()))
            self.registry.add(vus_max, self.run_tags, float(self.pool.initialized))
            self.registry.fold(FOLD_BATCH)  # trend values into their bounded stores: flat memory

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

    # -- live state ---------------------------------------------------------------------
    def active_vus(self) -> int:
        return sum(r.active_vus for r in self.runners.values())

    def progress(self) -> list[ScenarioProgress]:
        out = []
        for name, runner in self.runners.items():
            config = runner.config
            started = runner.started_at
            elapsed = 0.0 if started is None else (runner.ended_at or now()) - started
            runner.ctx.progress = runner.progress_fraction()
            out.append(
                ScenarioProgress(
                    name=name,
                    executor=config.executor,
                    active_vus=runner.active_vus,
                    max_vus=max(runner.allocated_vus, config.planned_vus(self.stripe)),
                    iterations_done=runner.completed,
                    interrupted=runner.interrupted,
                    dropped=runner.dropped,
                    elapsed=elapsed,
                    total=config.max_duration() if math.isfinite(config.max_duration()) else 0.0,
                    done=runner.done,
                    fraction=runner.ctx.progress,
                    stopped_early=runner.stopped_externally,
                )
            )
        return out

    def status(self) -> dict[str, Any]:
        """k6's /v1/status attributes."""
        return {
            "status": int(self.phase),
            "paused": self.paused,
            "vus": self.active_vus(),
            "vus-max": self.pool.initialized,
            "stopped": self.stopped,
            "running": self.phase is Phase.RUNNING,
            "tainted": False,
        }

    # -- REST control -----------------------------------------------------------------
    def external_runner(self) -> ExternallyControlledRunner | None:
        for runner in self.runners.values():
            if isinstance(runner, ExternallyControlledRunner):
                return runner
        return None

    async def set_paused(self, paused: bool) -> str | None:
        """Pause/resume; k6's error text when some executor can't pause."""
        if self.phase in (Phase.CREATED, Phase.INIT_VUS, Phase.INIT_DONE, Phase.PAUSED_BEFORE_RUN):
            if paused and self.paused:
                return "execution is already paused"
            self.paused = paused
            if not paused and self._resume_event is not None:
                self._resume_event.set()
            return None
        for runner in self.runners.values():
            if not isinstance(runner, ExternallyControlledRunner):
                return (
                    f"{runner.config.executor} executor '{runner.config.name}' doesn't support "
                    "pause and resume operations after its start"
                )
        if paused == self.paused:  # k6's ExecutionState.Pause / Resume
            return "test execution was already paused" if paused else "test execution wasn't paused"
        self.paused = paused
        for runner in self.runners.values():
            assert isinstance(runner, ExternallyControlledRunner)
            await runner.set_paused(paused)
        return None

    def stop_from_api(self) -> None:
        log.error("test run stopped from REST API")
        self.abort(ExitCode.STOPPED_BY_API)


def _log_phase_error(exc: LoadpyError) -> None:
    """A setup()/teardown() failure ends the run with its exit code: the user must see why."""
    log.error("test aborted: %s" if isinstance(exc, TestAbort) else "%s", exc)
