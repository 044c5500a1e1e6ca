"""shared-iterations: VUs pull from one shared counter until `iterations` have started."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

from loadpy.config.durations import format_duration
from loadpy.engine.interfaces import VirtualUser
from loadpy.executors.base import MIN_DURATION, ExecutorConfig, ExecutorRunner, Fields, RunEnv, or_default
from loadpy.segments import SegmentArg, Stripe, as_stripe


@dataclass
class SharedIterationsConfig(ExecutorConfig):
    executor: ClassVar[str] = "shared-iterations"
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
        if self.iterations < self.vus:
            errors.append(
                f"the number of iterations ({self.iterations}) can't be less than the number of VUs ({self.vus})"
            )
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

    def iterations_for(self, stripe: Stripe) -> tuple[Stripe | None, int]:
        """The stripe on the sequence derived from the VU split, and this instance's iterations."""
        derived = stripe.derived(self.vus)
        return derived, 0 if derived is None else derived.scale(self.iterations)

    def has_work(self, segment: SegmentArg = None) -> bool:
        return self.iterations_for(as_stripe(segment))[1] > 0

    def describe(self, segment: SegmentArg = None) -> str:
        stripe = as_stripe(segment)
        return (
            f"{self.iterations_for(stripe)[1]} iterations shared among {self.planned_vus(stripe)} VUs"
            f"{self.base_info(f'maxDuration: {format_duration(self.max_duration_s)}')}"
        )

    def params_dict(self) -> dict[str, Any]:
        return {"vus": self.vus, "iterations": self.iterations, "maxDuration": format_duration(self.max_duration_s)}

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        return SharedIterationsRunner(self, env)


class SharedIterationsRunner(ExecutorRunner):
    config: SharedIterationsConfig

    def __init__(self, config: SharedIterationsConfig, env: RunEnv) -> None:
        super().__init__(config, env)
        self.derived, self.total = config.iterations_for(self.stripe)
        self.attempted = 0  # the shared counter (single-threaded loop: no lock needed)

    async def drive(self) -> None:
        if self.total <= 0:
            return
        vus = self.take_vus(self.config.planned_vus(self.stripe))
        await asyncio.gather(*(self.spawn_vu(self._vu_loop(vu)) for vu in vus))

    async def _vu_loop(self, vu: VirtualUser) -> None:
        await self.run_iterations(vu, self._next_index)

    def _next_index(self) -> int | None:
        if not (self.attempted < self.total and self.may_start()):
            return None
        assert self.derived is not None
        index = self.attempted
        self.attempted += 1
        return self.derived.nth(index)

    def finish(self) -> None:
        # one sample at the end with everything that was never started (k6)
        self.drop(self.total - self.attempted)

    def progress_fraction(self) -> float:
        if self.done or self.total <= 0:
            return 1.0
        return self.completed / self.total
