"""shared-iterations: VUs pull from one shared counter until `iterations` have started."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from loadpy.base.durations import format_duration
from loadpy.base.progress import ScenarioProgress, count_of
from loadpy.clock import now
from loadpy.executors.base import ExecutorRunner, IterationsConfig, RunEnv
from loadpy.segments import SegmentArg, Stripe, as_stripe


@dataclass
class SharedIterationsConfig(IterationsConfig):
    executor: ClassVar[str] = "shared-iterations"

    def _iterations_error(self) -> str | None:
        if self.iterations < self.vus:
            return f"the number of iterations ({self.iterations}) can't be less than the number of VUs ({self.vus})"
        return None

    def iterations_for(self, stripe: Stripe) -> tuple[Stripe | None, int]:
        """The stripe on the sequence derived from the VU split, and this instance's iterations."""
        derived = stripe.derived(self.vus)
        return derived, 0 if derived is None else derived.scale(self.iterations)

    def planned_iterations(self, stripe: Stripe) -> int | None:
        return self.iterations_for(stripe)[1]

    def has_work(self, segment: SegmentArg = None) -> bool:
        return self.iterations_for(as_stripe(segment))[1] > 0

    def describe(self, segment: SegmentArg = None) -> str:
        stripe = as_stripe(segment)
        return (
            f"{self.iterations_for(stripe)[1]} iterations shared among {self.planned_vus(stripe)} VUs"
            f"{self.base_info(f'maxDuration: {format_duration(self.max_duration_s)}')}"
        )

    def iterations_column(self, p: ScenarioProgress) -> str:
        return f"{count_of(p.iterations_done, self.iterations)}/{self.iterations} shared iters"

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        return SharedIterationsRunner(self, env)


class SharedIterationsRunner(ExecutorRunner):
    config: SharedIterationsConfig

    def __init__(self, config: SharedIterationsConfig, env: RunEnv) -> None:
        super().__init__(config, env)
        self.derived, self.total = config.iterations_for(self.stripe)
        self.whole = self.derived is None or self.derived.is_full  # (of the derived stripe, here)
        self.attempted = 0  # the shared counter (single-threaded loop: no lock needed)

    async def drive(self) -> None:
        if self.total <= 0:
            return
        vus = self.take_vus(self.config.planned_vus(self.stripe))
        await self.run_loops_of(vus, self._next_index)

    def _next_index(self) -> int | None:
        # (`may_start` inlined: this runs for every iteration)
        if not (self.attempted < self.total and not self.stopping and now() < self.regular_end):
            return None
        index = self.attempted
        self.attempted += 1
        if self.whole:
            return index
        assert self.derived is not None
        return self.derived.nth(index)

    def finish(self) -> None:
        # one sample at the end with everything that was never started (k6)
        self.drop(self.total - self.attempted)

    def progress_fraction(self) -> float:
        # k6: iterations done / total, also at the end: one cut by maxDuration stays below 1
        if self.total <= 0:
            return 1.0
        return min(self.completed / self.total, 1.0)
