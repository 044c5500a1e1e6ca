"""externally-controlled: VUs and max VUs are changed at run time through the REST API.

Lowering `vus` hard-stops the surplus VUs (their iterations are interrupted); pausing
stops them gracefully. `duration: 0` runs until the test is stopped.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from loadpy.base.durations import format_duration
from loadpy.base.progress import ScenarioProgress, active_vus_column, time_column
from loadpy.base.runtime import VirtualUser
from loadpy.base.vu_budget import GROW_BATCH, measured, running_out, shortfall
from loadpy.executors.base import ExecutorConfig, ExecutorRunner, Fields, Problem, RunEnv
from loadpy.segments import SegmentArg, Stripe


def control_problems(vus: int, max_vus: int, duration: float | None) -> list[Problem]:
    """k6 ExternallyControlledConfigParams.Validate (also used for REST updates)."""
    problems: list[Problem] = []
    if vus < 0:
        problems.append(("vus", "the number of VUs can't be negative"))
    if max_vus < vus:
        message = f"the number of active VUs ({vus}) must be less than or equal to the number of maxVUs ({max_vus})"
        problems.append(("vus", message))
    if duration is None:
        problems.append(("duration", "the duration must be specified, for infinite duration use 0"))
    return problems


@dataclass
class ExternallyControlledConfig(ExecutorConfig):
    executor: ClassVar[str] = "externally-controlled"
    FIELDS: ClassVar[tuple[str, ...]] = ("vus", "maxVUs", "duration")
    vus: int = 0
    max_vus_cfg: int | None = None
    duration: float | None = None

    def _parse_params(self, f: Fields) -> None:
        self.vus = f.int("vus") or 0
        self.max_vus_cfg = f.int("maxVUs")
        self.duration = f.duration("duration")
        self.graceful_stop = 0.0 if not self.graceful_stop_set else self.graceful_stop

    @property
    def max_vus_total(self) -> int:
        return self.vus if self.max_vus_cfg is None else self.max_vus_cfg

    def validate(self) -> list[Problem]:
        problems = control_problems(self.vus, self.max_vus_total, self.duration)
        if self.graceful_stop_set:
            problems.append(("gracefulStop", "gracefulStop is not supported by the externally controlled executor"))
        return problems

    def regular_duration(self) -> float:
        return self.duration or math.inf

    def max_duration(self) -> float:
        """The configured duration; 0 when endless (k6 prints "0s" then)."""
        return self.duration or 0.0

    def planned_vus(self, stripe: Stripe) -> int:
        return stripe.scale(self.max_vus_total)

    def progress_columns(self, p: ScenarioProgress, finished: bool) -> list[str]:
        vus = active_vus_column(p, self.max_vus_total)
        if not self.duration:  # endless: only the time spent
            return [vus, format_duration(round(p.elapsed, 1)), ""]
        return [vus, time_column(p.elapsed, self.duration, finished), ""]

    def describe(self, segment: SegmentArg = None) -> str:
        duration = format_duration(self.duration) if self.duration else "infinite"
        return f"Externally controlled execution with {self.vus} VUs, {self.max_vus_total} max VUs, {duration} duration"

    def params_dict(self) -> dict[str, Any]:
        return {"vus": self.vus, "maxVUs": self.max_vus_total, "duration": format_duration(self.duration or 0.0)}

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        return ExternallyControlledRunner(self, env)


class ExternallyControlledRunner(ExecutorRunner):
    config: ExternallyControlledConfig

    def __init__(self, config: ExternallyControlledConfig, env: RunEnv) -> None:
        super().__init__(config, env)
        self.target_vus = config.vus
        self.current_max = config.max_vus_total
        self.paused = False
        self._slots: list[_Slot] = []
        self._local_iterations = 0
        self._running = False
        self._updating = asyncio.Lock()

    async def drive(self) -> None:
        # a PATCH before the start may already have grown the slots
        self._slots.extend(_Slot(vu) for vu in self.take_vus(self.current_max - len(self._slots)))
        self._running = True
        self._apply()
        await self.sleep_until(self.regular_end)
        self._running = False
        await asyncio.gather(*(s.task for s in self._slots if s.task is not None), return_exceptions=True)

    def _apply(self) -> None:
        if not self._running:
            return
        want = 0 if self.paused else self.target_vus
        for k, slot in enumerate(self._slots):
            if k < want and not slot.active:
                slot.active = True
                if slot.task is None or slot.task.done():
                    slot.task = self.spawn_vu(self.run_iterations(slot.vu, partial(self._next_index, slot)))
            elif k >= want and slot.active:
                slot.active = False
                if not self.paused and slot.task is not None:
                    slot.task.cancel()  # k6 hard-stops VUs removed by a config change

    async def _wait_idle(self, slots: list[_Slot]) -> None:
        tasks = [s.task for s in slots if s.task is not None and not s.active]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def update(self, vus: int | None = None, max_vus: int | None = None) -> str | None:
        """Apply a REST API change; returns k6's error text or None."""
        new_vus = self.target_vus if vus is None else vus
        new_max = self.current_max if max_vus is None else max_vus
        problems = control_problems(new_vus, new_max, self.config.duration)
        if problems:
            return f"invalid configuration supplied: {', '.join(message for _, message in problems)}"
        if new_max < self.config.max_vus_total:
            return (
                "the new number of max VUs cannot be lower than the starting number of max VUs "
                f"({self.config.max_vus_total})"
            )
        async with self._updating:  # one change at a time: a growth may take many loop turns
            err = await self._grow(new_max)
            if err:
                return err
            self.current_max = new_max
            self.target_vus = new_vus
            self._apply()
            await self._wait_idle(self._slots)
            self._shrink(new_max)
        return None

    async def _grow(self, new_max: int) -> str | None:
        """Initialise VUs up to `new_max` in batches, refusing what memory cannot hold (vu_budget)."""
        per_vu = 0.0  # bytes per new VU, measured on the first batch that creates some (not reused ones)
        while len(self._slots) < new_max:
            batch = min(GROW_BATCH, new_max - len(self._slots))
            if per_vu <= 0:
                vus, per_vu = measured(self.take_vus, batch)
                self._slots.extend(_Slot(vu) for vu in vus)
                err = shortfall(per_vu, new_max - len(self._slots))
            else:
                self._slots.extend(_Slot(vu) for vu in self.take_vus(batch))
                err = running_out()
            if not err and len(self._slots) < new_max:
                await asyncio.sleep(0)  # let the API, the VUs and the end of the test run
                if self.started_at is not None and (self.stopping or not self._running):
                    err = "context canceled"  # what k6 answers when the test ends meanwhile
            if err:
                self._shrink(self.current_max)
                return err
        return None

    def _shrink(self, new_max: int) -> None:
        """Give the VUs above `new_max` back to the pool (they stay initialised, as in k6)."""
        if new_max < len(self._slots):
            extra = self._slots[new_max:]
            del self._slots[new_max:]
            released = [s.vu for s in extra]
            gone = {id(vu) for vu in released}
            self._vus[:] = [vu for vu in self._vus if id(vu) not in gone]
            self.allocated_vus -= len(released)
            self.env.pool.release(released)

    async def set_paused(self, paused: bool) -> None:
        """Pause (VUs finish their iteration and idle) or resume."""
        if paused == self.paused:
            return
        self.paused = paused
        self._apply()
        if paused:
            await self._wait_idle(self._slots)

    def _next_index(self, slot: _Slot) -> int | None:
        """The next iteration's index in the test while `slot`'s VU may start one, else None."""
        if not (slot.active and self.may_start()):
            return None
        index = self._local_iterations
        self._local_iterations += 1
        return index if self.whole else self.stripe.nth(index)


class _Slot:
    __slots__ = ("active", "task", "vu")

    def __init__(self, vu: VirtualUser) -> None:
        self.vu = vu
        self.active = False
        self.task: asyncio.Task[Any] | None = None
