"""ramping-vus: the number of looping VUs follows `stages` in integer steps.

The k-th VU of a ramp from a to b over D starts (or stops) at T0 + ceil(D·k/|b−a|)
(integer nanoseconds, like k6). A VU stopped by a ramp-down finishes its iteration and
goes idle; after `gracefulRampDown` its iteration is cancelled. The last VU started is
the first stopped (LIFO).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from loadpy.base.durations import format_duration
from loadpy.base.progress import ScenarioProgress, active_vus_column, fixed_duration, time_column
from loadpy.base.runtime import VirtualUser
from loadpy.base.stages import Stage, stages_to_list, validate_stages
from loadpy.executors.base import (
    DEFAULT_GRACEFUL_STOP,
    ExecutorConfig,
    ExecutorRunner,
    Fields,
    Problem,
    RunEnv,
    or_default,
    to_ns,
)
from loadpy.segments import SegmentArg, Stripe, as_stripe


def raw_steps(start_vus: int, stages: list[Stage]) -> list[tuple[int, int]]:
    """(time offset ns, global VU count) for every change, unsegmented (k6 getRawExecutionSteps)."""
    steps = [(0, start_vus)]
    cur, end = start_vus, 0
    for stage in stages:
        span = to_ns(stage.seconds)
        end += span
        target = stage.value
        if target == cur:
            continue
        if span == 0:
            steps.append((end, target))
            cur = target
            continue
        n = abs(target - cur)
        sign = 1 if target > cur else -1
        for k in range(1, n + 1):
            steps.append((end - span + -(-span * k // n), cur + sign * k))
        cur = target
    return steps


def local_steps(start_vus: int, stages: list[Stage], stripe: Stripe) -> list[tuple[int, int]]:
    """This instance's VU count changes: it runs the owned VUs among the globally planned count."""
    out: list[tuple[int, int]] = []
    for t, count in raw_steps(start_vus, stages):
        local = stripe.scale(count)
        if not out or out[-1][1] != local:
            out.append((t, local))
    return out


@dataclass
class RampingVUsConfig(ExecutorConfig):
    executor: ClassVar[str] = "ramping-vus"
    FIELDS: ClassVar[tuple[str, ...]] = ("startVUs", "stages", "gracefulRampDown")
    start_vus: int = 1
    stages: list[Stage] = field(default_factory=list)
    graceful_ramp_down: float = DEFAULT_GRACEFUL_STOP

    def _parse_params(self, f: Fields) -> None:
        self.start_vus = or_default(f.int("startVUs"), 1)
        self.stages = f.stages()
        self.graceful_ramp_down = or_default(f.duration("gracefulRampDown"), DEFAULT_GRACEFUL_STOP)

    def validate(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.start_vus < 0:
            problems.append(("startVUs", "the number of start VUs can't be negative"))
        if max([self.start_vus, *(s.value for s in self.stages)]) <= 0:
            problems.append(("stages", "either startVUs or one of the stages' target values must be greater than 0"))
        return problems + [("stages", message) for message in validate_stages(self.stages)]

    def regular_duration(self) -> float:
        return sum(s.seconds for s in self.stages)

    def planned_vus(self, stripe: Stripe) -> int:
        return max(count for _, count in local_steps(self.start_vus, self.stages, stripe))

    def describe(self, segment: SegmentArg = None) -> str:
        vus = self.planned_vus(as_stripe(segment))
        return (
            f"Up to {vus} looping VUs for {format_duration(self.regular_duration())} over {len(self.stages)} stages"
            f"{self.base_info(f'gracefulRampDown: {format_duration(self.graceful_ramp_down)}')}"
        )

    def progress_columns(self, p: ScenarioProgress, finished: bool) -> list[str]:
        regular = p.total - self.graceful_stop
        return [active_vus_column(p), time_column(p.elapsed, regular, finished, fixed_duration(regular, regular))]

    def params_dict(self) -> dict[str, Any]:
        return {
            "startVUs": self.start_vus,
            "stages": stages_to_list(self.stages),
            "gracefulRampDown": format_duration(self.graceful_ramp_down),
        }

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        return RampingVUsRunner(self, env)


class _Slot:
    """One VU position in the LIFO order."""

    __slots__ = ("active", "kill", "task", "vu")

    def __init__(self, vu: VirtualUser) -> None:
        self.vu = vu
        self.active = False
        self.task: asyncio.Task[Any] | None = None
        self.kill: asyncio.TimerHandle | None = None


class RampingVUsRunner(ExecutorRunner):
    config: RampingVUsConfig

    async def drive(self) -> None:
        assert self.started_at is not None
        steps = local_steps(self.config.start_vus, self.config.stages, self.stripe)
        slots = [_Slot(vu) for vu in self.take_vus(max(count for _, count in steps))]
        self._local_iterations = 0
        end_ns = to_ns(self.config.regular_duration())
        cur = 0
        try:
            for offset_ns, count in steps:
                if not await self.sleep_until(self.started_at + offset_ns / 1e9):
                    break
                # a VU due exactly at the end starts nothing (timers may also wake a hair early)
                for k in range(cur, count if offset_ns < end_ns else cur):
                    self._activate(slots[k])
                for k in reversed(range(count, cur)):
                    self._ramp_down(slots[k])
                cur = count
            await asyncio.gather(*(s.task for s in slots if s.task is not None), return_exceptions=True)
        finally:
            for slot in slots:
                if slot.kill is not None:
                    slot.kill.cancel()

    def _activate(self, slot: _Slot) -> None:
        slot.active = True
        if slot.kill is not None:
            slot.kill.cancel()
            slot.kill = None
        if slot.task is None or slot.task.done():
            slot.task = self.spawn_vu(self.run_iterations(slot.vu, partial(self._next_index, slot)))

    def _ramp_down(self, slot: _Slot) -> None:
        slot.active = False
        task = slot.task
        if task is None or task.done():
            return
        if self.config.graceful_ramp_down <= 0:
            task.cancel()
        else:
            slot.kill = asyncio.get_running_loop().call_later(self.config.graceful_ramp_down, task.cancel)

    def _next_index(self, slot: _Slot) -> int | None:
        """The next iteration's index in the test while `slot`'s VU may start one, else None."""
        if not (slot.active and self.may_start()):
            return None
        index = self._local_iterations
        self._local_iterations += 1
        return index if self.whole else self.stripe.nth(index)
