"""constant-vus: a fixed number of VUs loop iterations for `duration`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from loadpy.base.durations import format_duration
from loadpy.base.progress import ScenarioProgress, time_column
from loadpy.clock import now
from loadpy.executors.base import (
    MIN_DURATION,
    ExecutorConfig,
    ExecutorRunner,
    Fields,
    Problem,
    RunEnv,
    or_default,
    too_short,
)
from loadpy.segments import SegmentArg, Stripe, as_stripe


@dataclass
class ConstantVUsConfig(ExecutorConfig):
    executor: ClassVar[str] = "constant-vus"
    FIELDS: ClassVar[tuple[str, ...]] = ("vus", "duration")
    vus: int = 1
    duration: float | None = None

    def _parse_params(self, f: Fields) -> None:
        self.vus = or_default(f.int("vus"), 1)
        self.duration = f.duration("duration")

    def validate(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.vus <= 0:
            problems.append(("vus", "the number of VUs must be more than 0"))
        if self.duration is None:
            problems.append(("duration", "the duration is unspecified"))
        elif self.duration < MIN_DURATION:
            problems.append(("duration", too_short("duration", self.duration)))
        return problems

    def regular_duration(self) -> float:
        return self.duration or 0.0

    def progress_columns(self, p: ScenarioProgress, finished: bool) -> list[str]:
        return [f"{p.max_vus} VUs", time_column(p.elapsed, p.total - self.graceful_stop, finished)]

    def planned_vus(self, stripe: Stripe) -> int:
        return stripe.scale(self.vus)

    def describe(self, segment: SegmentArg = None) -> str:
        vus = self.planned_vus(as_stripe(segment))
        return f"{vus} looping VUs for {format_duration(self.regular_duration())}{self.base_info()}"

    def params_dict(self) -> dict[str, Any]:
        return {"vus": self.vus, "duration": format_duration(self.regular_duration())}

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        return ConstantVUsRunner(self, env)


class ConstantVUsRunner(ExecutorRunner):
    config: ConstantVUsConfig

    async def drive(self) -> None:
        vus = self.take_vus(self.config.planned_vus(self.stripe))
        self._local_iterations = 0
        await self.run_loops_of(vus, self._next_index)

    def _next_index(self) -> int | None:
        if self.stopping or now() >= self.regular_end:  # (`may_start` inlined: it runs for every iteration)
            return None
        index = self._local_iterations
        self._local_iterations += 1
        return index if self.whole else self.stripe.nth(index)
