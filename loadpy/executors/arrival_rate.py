"""What the two arrival-rate executors share: VU fields, the derived stripe and the open-loop
starter that fires every planned arrival at its time, whether or not the last one finished.

Timing: arrival times come from a closed form relative to the scenario start, never from
accumulated sleeps. The starter waits for the next arrival on a timerfd (`loadpy.clock.Alarm`:
microseconds late, where uvloop's millisecond timers are up to ~2 ms late), at most once per
MIN_WAKE_GAP, and starts every arrival whose time has come (each iteration's lateness behind its
planned time is tracked). Without a timerfd it sleeps on the loop's timers, never less than TICK
(uvloop rounds sleeps under 1 ms to zero).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

from loadpy.base.progress import ScenarioProgress, active_vus_column, time_column
from loadpy.base.runtime import VirtualUser, one_index
from loadpy.clock import Alarm, now
from loadpy.executors.base import ExecutorConfig, ExecutorRunner, Fields, Problem, RunEnv, or_default
from loadpy.executors.lateness import LatenessLog, lateness_path
from loadpy.segments import SegmentArg, Stripe, as_stripe

log = logging.getLogger("loadpy.executors")

TICK = 0.001
# waits up to this long are a plain wait on the alarm (a stop is noticed when it ends); longer ones
# race the stop event (`sleep_until`, which costs a task and a timeout handle per wait)
SHORT_WAIT = 0.05
# the starter wakes at most once per MIN_WAKE_GAP: no more often than uvloop's 1 ms timers woke it,
# but on time. Every wake is a sleep and a wake-up of the process, which costs more than the arrivals
# it starts: at 5,000/s a 0.5 ms gap took ~20 µs more CPU per arrival (benchmarks/README.md)
MIN_WAKE_GAP = 0.001

Arrival = tuple[int, float]  # (global 0-based iteration index, planned `now()` time)


@dataclass
class ArrivalRateConfig(ExecutorConfig):
    time_unit: float = 1.0
    pre_allocated_vus: int | None = None
    max_vus_cfg: int | None = None

    def _parse_vu_fields(self, f: Fields) -> None:
        self.time_unit = or_default(f.duration("timeUnit"), 1.0)
        self.pre_allocated_vus = f.int("preAllocatedVUs")
        self.max_vus_cfg = f.int("maxVUs")

    def _vu_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.pre_allocated_vus is None:
            problems.append(("preAllocatedVUs", "the number of preAllocatedVUs isn't specified"))
        elif self.pre_allocated_vus < 0:
            problems.append(("preAllocatedVUs", "the number of preAllocatedVUs can't be negative"))
        if self.max_vus_cfg is not None and self.max_vus_cfg < (self.pre_allocated_vus or 0):
            problems.append(("maxVUs", "maxVUs can't be less than preAllocatedVUs"))
        return problems

    @property
    def pre_allocated(self) -> int:
        return self.pre_allocated_vus or 0

    @property
    def max_vus_total(self) -> int:
        return self.pre_allocated if self.max_vus_cfg is None else self.max_vus_cfg

    def planned_vus(self, stripe: Stripe) -> int:
        return stripe.scale(self.pre_allocated)

    def max_vus(self, segment: SegmentArg = None) -> int:
        return as_stripe(segment).scale(self.max_vus_total)

    def arrival_stripe(self, stripe: Stripe) -> Stripe | None:
        """The load splits like maxVUs (k6's derived sequence); None: this instance gets none."""
        return stripe.derived(self.max_vus_total)

    def vus_range(self, stripe: Stripe) -> str:
        text = f"maxVUs: {stripe.scale(self.pre_allocated)}"
        if self.max_vus_total > self.pre_allocated:
            text += f"-{stripe.scale(self.max_vus_total)}"
        return text

    def arrivals(self, stripe: Stripe) -> Iterator[tuple[int, float]]:
        """(global 0-based iteration index, offset in seconds from the scenario start), in order."""
        raise NotImplementedError

    def planned_arrivals(self) -> Fraction:
        """Arrivals of the whole scenario (every instance's): the rate's integral over its time."""
        raise NotImplementedError

    def planned_iterations(self, stripe: Stripe) -> int | None:
        arrival_stripe = self.arrival_stripe(stripe)
        return 0 if arrival_stripe is None else int(arrival_stripe.scale_fraction(self.planned_arrivals()))

    def vu_params(self) -> dict[str, int]:
        return {"preAllocatedVUs": self.pre_allocated, "maxVUs": self.max_vus_total}

    def rate_at(self, spent: float) -> float:
        """The target rate `spent` seconds into the scenario, in iterations per second."""
        raise NotImplementedError

    def progress_columns(self, p: ScenarioProgress, finished: bool) -> list[str]:
        regular = p.total - self.graceful_stop
        rate = f"{self.rate_at(min(p.elapsed, regular)):.2f} iters/s" + (f", {p.dropped} dropped" if p.dropped else "")
        return [active_vus_column(p, self.max_vus_total), time_column(p.elapsed, regular, finished), rate]


class ArrivalRateRunner(ExecutorRunner):
    """The starter hands each arrival to an idle VU's loop: every VU runs one long-lived task that
    parks on a future between iterations (no task per arrival), and the starter resolves the future
    of the VU idle longest with the arrival's (index, planned time)."""

    config: ArrivalRateConfig
    counts_running_only: ClassVar[bool] = True

    def __init__(self, config: ArrivalRateConfig, env: RunEnv) -> None:
        super().__init__(config, env)
        self._lateness_file = lateness_path()
        self._lateness = LatenessLog() if self._lateness_file else None
        self._idle: deque[asyncio.Future[Arrival | None]] = deque()  # parked VUs, idle longest first
        self._arrivals_over = False

    async def drive(self) -> None:
        assert self.started_at is not None
        arrival_stripe = self.config.arrival_stripe(self.stripe)
        if arrival_stripe is None:
            return
        limit = self.stripe.scale(self.config.max_vus_total)
        for vu in self.take_vus(self.config.planned_vus(self.stripe)):
            self._park_new(vu)
        idle = self._idle
        alarm = Alarm.open()
        warned = False
        start = self.started_at
        last_wake = -math.inf
        try:
            for index, offset in self.config.arrivals(arrival_stripe):
                due = start + offset
                while not self.stopping and (wait := due - now()) > 0:
                    if wait > SHORT_WAIT:
                        await self.sleep_until(due)  # wakes at once when the scenario is stopped
                    elif alarm is not None:  # no stop-event task per wait
                        await alarm.until(max(due, last_wake + MIN_WAKE_GAP))
                        last_wake = now()
                    else:
                        await asyncio.sleep(max(wait, TICK))
                if self.stopping:
                    break
                if idle:
                    idle.popleft().set_result((index, due))
                    continue
                self.drop(1)  # no free VU: the arrival is lost, never queued
                if self.allocated_vus < limit:
                    self._park_new(self.take_vus(1)[0])  # grow by one VU, for the next arrivals
                elif not warned:
                    warned = True
                    log.warning(
                        "Insufficient VUs, reached %d active VUs and cannot initialize more (scenario %s)",
                        self.allocated_vus,
                        self.config.name,
                    )
        finally:
            if alarm is not None:
                alarm.close()
            self._arrivals_over = True
            while idle:  # the parked VUs' loops end
                waiter = idle.popleft()
                if not waiter.done():
                    waiter.set_result(None)
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _park_new(self, vu: VirtualUser) -> None:
        """Start `vu`'s loop, parked: it is free for the very next arrival."""
        waiter: asyncio.Future[Arrival | None] = asyncio.get_running_loop().create_future()
        self._idle.append(waiter)
        self.spawn(self._vu_loop(vu, waiter))

    async def _vu_loop(self, vu: VirtualUser, waiter: asyncio.Future[Arrival | None]) -> None:
        """Iterations of one VU, each when the starter hands it an arrival, until the arrivals end."""
        create_future = asyncio.get_running_loop().create_future
        idle = self._idle
        ctx = self.ctx
        run = vu.run_iterations
        record = None if self._lateness is None else self._lateness.add
        while (arrival := await waiter) is not None:
            index, due = arrival
            # lateness is measured when the iteration really starts
            late = now() - due
            if late > self.lateness_max:
                self.lateness_max = late
            if record is not None:
                record(late)
            # one iteration of the VU's loop, counting into this runner; a VU counts as active while it runs
            self.active_vus += 1
            try:
                await run(ctx, one_index(index), self)
            finally:
                self.active_vus -= 1  # counts_running_only
            if self._arrivals_over:
                return
            waiter = create_future()
            idle.append(waiter)

    def finish(self) -> None:
        if self._lateness is not None and self._lateness_file:
            self._lateness.write(self._lateness_file, self.config.name, self.config.executor, self.dropped)
