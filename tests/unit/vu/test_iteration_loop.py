"""The VU's iteration loop (`VUState.run_iterations`): what each iteration records of the work it
did beside HTTP (WebSocket bytes of sessions finished or left open) and its minimum duration."""

from __future__ import annotations

import asyncio
from typing import Any

from loadpy import clock
from loadpy.base.runtime import ScenarioContext
from loadpy.config.options import Options
from loadpy.metrics.registry import Registry
from loadpy.vu.core import RuntimeCore
from loadpy.vu.state import ScenarioState, VUState


class _Session:
    """What the loop reads of a WebSocket session Python code left open: its bytes and `close()`."""

    def __init__(self, sent: int, received: int) -> None:
        self.bytes_sent, self.bytes_received = sent, received
        self.closed = False

    async def close(self) -> None:
        self.closed = True


def _run(options: Options, bodies: list[Any]) -> tuple[Registry, list[float]]:
    """One VU runs one iteration per body; returns the registry and each iteration's wall time."""
    registry = Registry()
    core = RuntimeCore(registry, options, {})
    scenario = ScenarioContext("default", "per-vu-iterations", "default")
    recorder = core.recorder
    state: dict[str, ScenarioState] = {}
    vu = VUState(core, 1, 1, lambda s: state.setdefault("s", ScenarioState(s, recorder.context(()), {}, body)))
    queue = list(bodies)

    async def body(vu: VUState) -> None:
        await queue.pop(0)(vu)

    walls: list[float] = []

    async def main() -> None:
        for index in range(len(bodies)):
            start = clock.now()
            await vu.run_iteration(scenario, index)
            walls.append(clock.now() - start)

    asyncio.run(main())
    return registry, walls


def _totals(registry: Registry, metric: str) -> list[float]:
    return [sink.total for sink in registry.series(registry.metrics[metric]).values()]


def test_websocket_bytes_count_in_the_iteration_that_moved_them_and_no_other() -> None:
    left_open = _Session(10, 20)

    async def with_ws(vu: VUState) -> None:
        vu.track_ws(left_open)  # a session Python code opened and did not close
        vu.add_ws_bytes(3, 4)  # a finished one (a ws step's)

    async def finished_only(vu: VUState) -> None:
        vu.add_ws_bytes(5, 6)

    async def plain(vu: VUState) -> None:
        return None

    registry, _ = _run(Options(), [with_ws, plain, with_ws, finished_only, plain])
    assert left_open.closed
    assert _totals(registry, "data_sent") == [2 * (10 + 3) + 5]  # each once, the last iteration's too
    assert _totals(registry, "data_received") == [2 * (20 + 4) + 6]
    assert _totals(registry, "iterations") == [5.0]


def test_min_iteration_duration_pads_the_iteration_but_not_its_duration() -> None:
    async def quick(vu: VUState) -> None:
        return None

    registry, walls = _run(Options(min_iteration_duration=0.05), [quick, quick])
    assert all(wall >= 0.05 for wall in walls), walls
    duration = registry.aggregate(registry.metrics["iteration_duration"]).values(stats=("count", "max"))
    assert duration["count"] == 2 and duration["max"] < 50.0
