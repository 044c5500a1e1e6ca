"""A small real Runtime for engine tests: each iteration body is `await asyncio.sleep(x)`.

It records what the engine asked for (VU ids, scenario, iteration indexes, start times)
and counts `iterations` the way the real runtime does (only completed iterations).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import uvloop

from loadpy.base.runtime import IterationTally
from loadpy.clock import now
from loadpy.engine.interfaces import ScenarioContext
from loadpy.errors import TestAbort
from loadpy.executors import parse_scenario
from loadpy.executors.base import ExecutorConfig
from loadpy.metrics.registry import Registry


@dataclass
class Call:
    vu: int
    scenario: str
    iteration_in_test: int
    iteration_in_instance: int
    start: float  # seconds since the runtime was created
    env: dict[str, str]
    tags: tuple[tuple[str, str], ...]
    completed: bool = False


class FakeVU:
    def __init__(self, runtime: FakeRuntime, id_in_instance: int, id_in_test: int) -> None:
        self.runtime = runtime
        self.id_in_instance = id_in_instance
        self.id_in_test = id_in_test
        self.closed = False

    async def run_iterations(
        self, scenario: ScenarioContext, next_index: Callable[[], int | None], tally: IterationTally
    ) -> None:
        """The engine's VU loop, counting as `VirtualUser.run_iterations` specifies."""
        while (index := next_index()) is not None:
            scenario.iterations_in_instance = tally.started
            tally.started += 1
            try:
                await self.run_iteration(scenario, index)
            except asyncio.CancelledError:
                tally.interrupted += 1
                raise
            except Exception as exc:
                tally.iteration_failed(exc)
                return
            tally.completed += 1

    async def run_iteration(self, scenario: ScenarioContext, iteration_in_test: int) -> None:
        rt = self.runtime
        call = Call(
            self.id_in_instance,
            scenario.name,
            iteration_in_test,
            scenario.iterations_in_instance,
            now() - rt.t0,
            dict(scenario.env),
            scenario.tags,
        )
        rt.calls.append(call)
        await asyncio.sleep(rt.sleep(scenario.name))
        if rt.abort_at is not None and len(rt.completed_calls()) + 1 == rt.abort_at:
            call.completed = True
            rt.registry.add(rt.registry.metrics["iterations"], scenario.tags, 1.0)
            raise TestAbort("stop now")
        call.completed = True
        rt.registry.add(rt.registry.metrics["iterations"], scenario.tags, 1.0)

    async def close(self) -> None:
        self.closed = True


class FakeRuntime:
    def __init__(
        self,
        registry: Registry | None = None,
        *,
        sleep: float | dict[str, float] = 0.0,
        setup: Callable[[], Coroutine[Any, Any, Any]] | None = None,
        abort_at: int | None = None,
    ) -> None:
        self.registry = registry or Registry()
        self._sleep = sleep
        self._setup = setup
        self.abort_at = abort_at  # the n-th completed iteration raises TestAbort
        self.t0 = now()
        self.calls: list[Call] = []
        self.vus: list[FakeVU] = []
        self.teardown_calls: list[Any] = []
        self.test_failed = False

    def sleep(self, scenario: str) -> float:
        return self._sleep.get(scenario, 0.0) if isinstance(self._sleep, dict) else self._sleep

    def new_vu(self, id_in_instance: int, id_in_test: int) -> FakeVU:
        vu = FakeVU(self, id_in_instance, id_in_test)
        self.vus.append(vu)
        return vu

    async def setup(self) -> Any:
        return None if self._setup is None else await self._setup()

    async def teardown(self, setup_data: Any) -> None:
        self.teardown_calls.append(setup_data)

    def completed_calls(self, scenario: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.completed and (scenario is None or c.scenario == scenario)]


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run on uvloop, like `loadpy run`."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def scenario(name: str = "default", **raw: Any) -> ExecutorConfig:
    return parse_scenario(name, raw)


def counter(registry: Registry, name: str) -> float:
    return registry.aggregate(registry.metrics[name]).total  # type: ignore[attr-defined]


async def until(condition: Callable[[], bool], deadline_s: float = 15.0) -> None:
    """Wait for `condition` (a loaded machine may take long to get there), failing loudly after the deadline."""
    give_up = now() + deadline_s
    while not condition():
        assert now() < give_up, f"still not true after {deadline_s} s: {condition}"
        await asyncio.sleep(0.02)
