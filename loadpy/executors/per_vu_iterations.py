"""per-vu-iterations: each VU runs exactly `iterations` iterations back to back."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, ClassVar

from loadpy.base.collector import long_lived_burst
from loadpy.base.durations import format_duration
from loadpy.base.progress import ScenarioProgress, count_of
from loadpy.base.runtime import VirtualUser
from loadpy.executors.base import ExecutorRunner, IterationsConfig, RunEnv
from loadpy.segments import SegmentArg, as_stripe

START_BATCH = 1000  # VUs whose tasks are created between two turns of the event loop


@dataclass
class PerVUIterationsConfig(IterationsConfig):
    executor: ClassVar[str] = "per-vu-iterations"

    def _iterations_error(self) -> str | None:
        return "the number of iterations must be more than 0" if self.iterations <= 0 else None

    def describe(self, segment: SegmentArg = None) -> str:
        vus = self.planned_vus(as_stripe(segment))
        return (
            f"{self.iterations} iterations for each of {vus} VUs"
            f"{self.base_info(f'maxDuration: {format_duration(self.max_duration_s)}')}"
        )

    def iterations_column(self, p: ScenarioProgress) -> str:
        total = self.iterations * p.max_vus
        return f"{count_of(p.iterations_done, total)}/{total} iters, {self.iterations} per VU"

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        return PerVUIterationsRunner(self, env)


class PerVUIterationsRunner(ExecutorRunner):
    config: PerVUIterationsConfig

    def __init__(self, config: PerVUIterationsConfig, env: RunEnv) -> None:
        super().__init__(config, env)
        self._left: list[int] = []  # per VU: iterations not started yet
        self._all_ended: asyncio.Future[None]  # set when the last VU loop has ended

    async def drive(self) -> None:
        vus = self.take_vus(self.config.planned_vus(self.stripe))
        self._left = [self.config.iterations] * len(vus)
        self._all_ended = asyncio.get_running_loop().create_future()
        # Every VU is active from the scenario's start (k6), also the ones of batches not started yet.
        self.active_vus += len(vus)
        spawned = 0
        ended = self._vu_ended  # one bound method for every task's callback list (64 B a VU otherwise)
        try:
            with long_lived_burst():  # the VUs' tasks live for the run (base/collector.py)
                for first in range(0, len(vus), START_BATCH):
                    for k in range(first, min(first + START_BATCH, len(vus))):
                        self.spawn(self._vu_loop(k, vus[k])).add_done_callback(ended)
                        spawned += 1
                    await asyncio.sleep(0)  # this batch's first steps run; the loop serves the API meanwhile
        finally:
            self.active_vus -= len(vus) - spawned  # a stop during the start: never-spawned VUs
        if self.active_vus > 0:
            await self._all_ended  # not a gather of 100k tasks: one callback per VU, no list

    def _vu_ended(self, _task: asyncio.Task[None]) -> None:
        # a VU loop raises nothing but CancelledError (run_iterations reports the rest); the
        # supervisor gathers every task at the end
        self.active_vus -= 1
        if self.active_vus == 0 and not self._all_ended.done():
            self._all_ended.set_result(None)

    def _vu_loop(self, local_index: int, vu: VirtualUser) -> Coroutine[Any, Any, None]:
        """The VU's iteration loop (`run_iterations` itself: no coroutine around it)."""
        iterations = self.config.iterations
        first = self.stripe.nth(local_index) * iterations  # this VU's first global iteration index
        left = self._left

        def next_index() -> int | None:
            if left[local_index] <= 0:
                return None
            if not self.may_start():
                self.drop(left[local_index])  # at the moment the VU finds the time is up (k6)
                left[local_index] = 0
                return None
            left[local_index] -= 1
            return first + iterations - left[local_index] - 1

        return self.run_iterations(vu, next_index)

    def finish(self) -> None:
        # One sample per VU with everything it did not get to start (k6), also when the hard stop
        # (gracefulStop after maxDuration) cancelled the VU in the middle of an iteration.
        for left in self._left:
            self.drop(left)
        self._left = []
