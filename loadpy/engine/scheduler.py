"""This process's backend of the run lifecycle: the VU pool and one runner per scenario (each at its
startTime). The lifecycle itself (setup → scenarios → teardown, the VU and threshold tickers, stops, the
REST API's status) is loadpy.pipeline.lifecycle, shared with the workers' coordinator; `Engine.run()`
drives it with this engine as the backend.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from loadpy.base.collector import frozen_while_scenarios_run, long_lived_burst
from loadpy.base.progress import ScenarioProgress
from loadpy.base.runtime import Runtime
from loadpy.clock import now
from loadpy.engine.numpy_choice import count_with_numpy_if_long
from loadpy.engine.pool import VUPool, planned_pool_size
from loadpy.engine.upkeep import fold_in_slices
from loadpy.errors import ConfigError, ExitCode, LoadpyError, TestAbort
from loadpy.executors.base import ExecutorConfig, ExecutorRunner, RunEnv
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import TagSet
from loadpy.pipeline.lifecycle import Lifecycle, Phase
from loadpy.pipeline.results import RunState
from loadpy.segments import resolve

if TYPE_CHECKING:
    from loadpy.executors.externally_controlled import ExternallyControlledRunner

log = logging.getLogger("loadpy.engine")


class Engine:
    banner_note: str | None = None  # the run's banner says nothing more for this process's backend

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
        self.lifecycle = Lifecycle(
            self,
            runtime=runtime,
            registry=registry,
            run_tags=run_tags,
            setup_timeout=setup_timeout,
            teardown_timeout=teardown_timeout,
            no_setup=no_setup,
            no_teardown=no_teardown,
            threshold_tick=threshold_tick,
            threshold_failures=threshold_failures,
            paused=paused,
            control_address=control_address,
        )

    async def run(self) -> RunState:
        """The whole lifecycle (loadpy.pipeline.lifecycle) with this engine's VUs."""
        return await self.lifecycle.run()

    # -- the lifecycle's state and stops (the REST API, signals and tests reach them here) ---------
    @property
    def phase(self) -> Phase:
        return self.lifecycle.phase

    @property
    def paused(self) -> bool:
        return self.lifecycle.paused

    @property
    def stopped(self) -> bool:
        return self.lifecycle.stopped

    @property
    def started_at(self) -> float | None:
        return self.lifecycle.started_at

    @property
    def api_address(self) -> str | None:
        return self.lifecycle.api_address

    @property
    def setup_data(self) -> Any:
        return self.lifecycle.setup_data

    def interrupt(self) -> None:
        """SIGINT/SIGTERM: running iterations get their gracefulStop, then teardown (exit 105).
        A second call stops everything at once."""
        self.lifecycle.interrupt()

    def abort(self, code: ExitCode, error: LoadpyError | None = None) -> None:
        """Hard-stop the scenarios now (threshold abort, TestAbort, REST stop); teardown still runs."""
        self.lifecycle.abort(code, error)

    def status(self) -> dict[str, Any]:
        """k6's /v1/status attributes."""
        return self.lifecycle.status()

    async def set_paused(self, paused: bool) -> str | None:
        return await self.lifecycle.set_paused(paused)

    def stop_from_api(self) -> None:
        self.lifecycle.stop_from_api()

    def _on_fatal(self, exc: BaseException) -> None:
        if isinstance(exc, TestAbort):
            log.error("test aborted: %s", exc)
            self.abort(ExitCode.SCRIPT_ABORTED, exc)
        elif isinstance(exc, LoadpyError):
            self.abort(exc.exit_code, exc)
        else:
            self.abort(ExitCode.GENERIC, LoadpyError(f"internal error: {exc!r}"))

    # -- the backend the lifecycle drives (loadpy.pipeline.lifecycle.Backend) ------------------
    async def create_vus(self) -> None:
        # numpy for the trend fold when the plan is long enough to repay its import: now, before the
        # scenarios (a mid-run import stalls the loop), with the collector paused (its objects live on)
        with long_lived_burst():
            count_with_numpy_if_long(self.scenarios.values(), self.stripe)
        await self.pool.preallocate_in_chunks(planned_pool_size(self.scenarios.values(), self.stripe))

    async def run_scenarios(self, setup_data: Any) -> None:
        """Every scenario at its startTime (counted from the end of setup); setup's data is in the runtime."""
        with frozen_while_scenarios_run(len(self.pool.all)):
            folder = asyncio.ensure_future(fold_in_slices(self.registry))
            try:
                await self._run_all_scenarios()
            finally:
                folder.cancel()
        if not any(r.completed for r in self.runners.values()) and self.lifecycle.exit_code is None:
            log.warning("No script iterations fully finished, consider making the test duration longer")

    async def _run_all_scenarios(self) -> None:
        exec_start = now()
        tasks = [asyncio.ensure_future(self._run_scenario(r, exec_start)) for r in self.runners.values()]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _run_scenario(self, runner: ExecutorRunner, exec_start: float) -> None:
        delay = exec_start + runner.config.start_time - now()
        if delay > 0:
            await self.lifecycle.wait_for_stop(delay)
        if self.stopped:
            runner.done = True  # never started
            return
        await runner.run()

    def halt(self, code: ExitCode, *, graceful: bool) -> None:
        for runner in self.runners.values():
            if runner.started_at is not None and not runner.done:
                runner.stop(graceful=graceful)

    async def close(self) -> None:
        await self.pool.close()

    def vus_max(self) -> int:
        return self.pool.initialized

    def on_tick(self) -> None:
        """Nothing: the trend values are folded in slices while the scenarios run (loadpy.engine.upkeep)."""

    def test_failed(self) -> bool:
        return bool(self.runtime.test_failed)

    def idle_s(self) -> float:
        return 0.0

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

    # -- REST control -----------------------------------------------------------------
    def external_runner(self) -> ExternallyControlledRunner | None:
        # (the REST API's calls only: a run that nobody controls does not import the executor)
        from loadpy.executors.externally_controlled import ExternallyControlledRunner

        for runner in self.runners.values():
            if isinstance(runner, ExternallyControlledRunner):
                return runner
        return None

    async def set_paused_running(self, paused: bool) -> str | None:
        """Pause/resume after the start: only externally-controlled scenarios can (k6's error otherwise)."""
        from loadpy.executors.externally_controlled import ExternallyControlledRunner

        for runner in self.runners.values():
            if not isinstance(runner, ExternallyControlledRunner):
                return (
                    f"{runner.config.executor} executor '{runner.config.name}' doesn't support "
                    "pause and resume operations after its start"
                )
        if paused == self.paused:  # k6's ExecutionState.Pause / Resume
            return "test execution was already paused" if paused else "test execution wasn't paused"
        self.lifecycle.paused = paused
        for runner in self.runners.values():
            assert isinstance(runner, ExternallyControlledRunner)
            await runner.set_paused(paused)
        return None
