"""The one lifecycle with a recording backend: the order every backend sees (VUs before setup, setup once,
its data to the scenarios, teardown once), stops reaching the backend, and the end state's exit codes."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from loadpy.errors import ExitCode
from loadpy.metrics import Registry
from loadpy.pipeline.lifecycle import Lifecycle, Phase


class Runtime:
    """setup() and teardown(), logged in the backend's calls."""

    def __init__(self, backend: Recorder) -> None:
        self.backend = backend

    async def setup(self) -> Any:
        lifecycle = self.backend.lifecycle
        self.backend.calls.append(("setup", lifecycle.phase if lifecycle else None))
        return {"token": 7}

    async def teardown(self, data: Any) -> None:
        self.backend.calls.append(("teardown", data))


class Recorder:
    """A backend that logs every call the lifecycle makes."""

    def __init__(self, *, scenario_s: float = 0.0, idle_s: float = 0.0, failed: bool = False) -> None:
        self.calls: list[Any] = []
        self.scenario_s = scenario_s
        self.idle = idle_s
        self.failed = failed
        self.halted: asyncio.Event | None = None
        self.lifecycle: Lifecycle | None = None
        self.runtime = Runtime(self)

    def test_failed(self) -> bool:
        return self.failed

    async def create_vus(self) -> None:
        self.calls.append("create_vus")

    async def run_scenarios(self, setup_data: Any) -> None:
        self.calls.append(("run_scenarios", setup_data))
        self.halted = asyncio.Event()
        with contextlib.suppress(TimeoutError):  # the scenarios last scenario_s, or until halted
            await asyncio.wait_for(self.halted.wait(), self.scenario_s)

    def halt(self, code: ExitCode, *, graceful: bool) -> None:
        self.calls.append(("halt", code, graceful))
        if self.halted is not None:
            self.halted.set()

    async def close(self) -> None:
        self.calls.append("close")

    def active_vus(self) -> int:
        return 3

    def vus_max(self) -> int:
        return 5

    def on_tick(self) -> None:
        self.calls.append("tick")

    def idle_s(self) -> float:
        return self.idle

    def external_runner(self) -> Any:
        return None

    async def set_paused_running(self, paused: bool) -> str | None:
        return "can't pause"


def _lifecycle(backend: Recorder, **kwargs: Any) -> Lifecycle:
    lifecycle = Lifecycle(backend, runtime=backend.runtime, registry=Registry(), **kwargs)
    backend.lifecycle = lifecycle
    return lifecycle


def test_vus_first_then_setup_once_its_data_to_the_scenarios_then_teardown_once() -> None:
    backend = Recorder()
    state = asyncio.run(_lifecycle(backend).run())
    assert backend.calls == [
        "create_vus",
        ("setup", Phase.SETUP),
        ("run_scenarios", {"token": 7}),
        ("teardown", {"token": 7}),
        "close",
    ]
    assert (state.exit_code, state.setup_data, state.interrupted, state.error) == (
        ExitCode.OK,
        {"token": 7},
        False,
        None,
    )


def test_the_vu_gauges_are_the_backends_every_second_and_idle_time_is_not_run_time() -> None:
    backend = Recorder(scenario_s=1.3, idle_s=0.25)
    registry = Registry()
    lifecycle = Lifecycle(backend, runtime=backend.runtime, registry=registry, no_setup=True, no_teardown=True)
    state = asyncio.run(lifecycle.run())
    assert backend.calls.count("tick") == 1
    assert registry.aggregate(registry.metrics["vus"]).last == 3
    assert registry.aggregate(registry.metrics["vus_max"]).last == 5
    assert 1.0 <= state.test_run_duration_s <= 1.3  # 1.3 s of scenarios less the backend's 0.25 s idle


def test_a_paused_run_waits_for_resume_and_an_interrupt_reaches_the_backend_gracefully() -> None:
    backend = Recorder(scenario_s=30.0)
    lifecycle = _lifecycle(backend, paused=True)

    async def main() -> Any:
        run = asyncio.ensure_future(lifecycle.run())
        await asyncio.sleep(0.05)
        assert lifecycle.phase is Phase.PAUSED_BEFORE_RUN and backend.calls == ["create_vus"]
        assert lifecycle.status()["vus-max"] == 5
        assert await lifecycle.set_paused(True) == "execution is already paused"
        assert await lifecycle.set_paused(False) is None
        await asyncio.sleep(0.05)
        assert lifecycle.phase is Phase.RUNNING
        assert await lifecycle.set_paused(True) == "can't pause"  # after the start, the backend decides
        lifecycle.interrupt()
        return await asyncio.wait_for(run, 5.0)

    state = asyncio.run(main())
    assert backend.calls[-3:] == [("halt", ExitCode.INTERRUPTED, True), ("teardown", {"token": 7}), "close"]
    assert state.exit_code is ExitCode.INTERRUPTED and state.interrupted
    assert lifecycle.phase is Phase.INTERRUPTED


def test_a_failed_setup_hard_stops_the_backend_and_skips_scenarios_and_teardown() -> None:
    backend = Recorder()

    async def failing_setup() -> Any:
        raise RuntimeError("boom")

    backend.runtime.setup = failing_setup  # type: ignore[method-assign]
    state = asyncio.run(_lifecycle(backend).run())
    assert backend.calls == ["create_vus", ("halt", ExitCode.SCRIPT_EXCEPTION, False), "close"]
    assert state.exit_code is ExitCode.SCRIPT_EXCEPTION and "setup() failed: boom" in str(state.error)


def test_a_vu_that_failed_the_test_makes_exit_110() -> None:
    state = asyncio.run(_lifecycle(Recorder(failed=True)).run())
    assert state.exit_code is ExitCode.TEST_FAILED
