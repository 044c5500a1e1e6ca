"""per-vu-iterations: each VU runs exactly `iterations` iterations back to back."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

from loadpy.config.durations import format_duration
from loadpy.engine.interfaces import VirtualUser
from loadpy.executors.base import MIN_DURATION, ExecutorConfig, ExecutorRunner, Fields, RunEnv, or_default
from loadpy.segments import SegmentArg, Stripe, as_stripe


@dataclass
class PerVUIterationsConfig(ExecutorConfig):
    executor: ClassVar[str] = "per-vu-iterations"
    FIELDS: ClassVar[tuple[str, ...]] = ("vus", "iterations", "maxDuration")
    vus: int = 1
    iterations: int = 1
    max_duration_s: float = 600.0

    def _parse_params(self, f: Fields) -> None:
        self.vus = or_default(f.int("vus"), 1)
        self.iterations = or_default(f.int("iterations"), 1)
        self.max_duration_s = or_default(f.duration("maxDuration"), 600.0)

    def validate(self) -> list[str]:
        errors = []
        if self.vus <= 0:
            errors.append("the number of VUs must be more than 0")
        if self.iterations <= 0:
            errors.append("the number of iterations must be more than 0")
        if self.max_duration_s < MIN_DURATION:
            errors.append(
                f"the maxDuration must be at least {format_duration(MIN_DURATION)}, "
                f"but is {format_duration(self.max_duration_s)}"
            )
        return errors

    def regular_duration(self) -> float:
        return self.max_duration_s

    def planned_vus(self, stripe: Stripe) -> int:
        return stripe.scale(self.vus)

    def describe(self, segment: SegmentArg = None) -> str:
        vus = self.planned_vus(as_stripe(segment))
        return (
            f"{self.iterations} iterations for each of {vus} VUs"
            f"{self.base_info(f'maxDuration: {format_duration(self.max_duration_s)}')}"
        )

    def params_dict(self) -> dict[str, Any]:
        return {"vus": self.vus, "iterations": self.iterations, "maxDuration": format_duration(self.max_duration_s)}

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        return PerVUIterationsRunner(self, env)


class PerVUIterationsRunner(ExecutorRunner):
    config: PerVUIterationsConfig

    async def drive(self) -> None:
        vus = self.take_vus(self.config.planned_vus(self.stripe))
        tasks = [self.spawn_vu(self._vu_loop(k, vu)) for k, vu in enumerate(vus)]
        await asyncio.gather(*tasks)

    async def _vu_loop(self, local_index: int, vu: VirtualUser) -> None:
        iterations = self.config.iterations
        global_vu = self.stripe.nth(local_index)  # 0-based VU number across all segments
        for i in range(iterations):
            if not self.may_start():
                # one sample per VU with everything it did not get to start (k6)
                self.drop(iterations - i)
                return
            if not await self.iteration(vu, global_vu * iterations + i):
                return
