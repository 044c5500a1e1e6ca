"""What the two arrival-rate executors share: VU fields, the derived stripe and the open-loop
starter that fires every planned arrival at its time, whether or not the last one finished.

Timing: arrival times come from a closed form relative to the scenario start, never from
accumulated sleeps. uvloop rounds sleeps under 1 ms to zero, so the starter never sleeps
less than TICK: it wakes about every millisecond at worst and starts every arrival whose
time has come (each iteration's lateness behind its planned time is tracked).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from loadpy.base.progress import ScenarioProgress, active_vus_column, time_column
from loadpy.base.runtime import VirtualUser
from loadpy.clock import now
from loadpy.executors.base import ExecutorConfig, ExecutorRunner, Fields, Problem, RunEnv, or_default
from loadpy.executors.lateness import LatenessLog, lateness_path
from loadpy.segments import SegmentArg, Stripe, as_stripe

log = logging.getLogger("loadpy.executors")

TICK = 0.001
# waits up to this long are a plain `asyncio.sleep` (a stop is noticed when it ends); longer ones
# race the stop event (`sleep_until`, which costs a task and a timeout handle per wait)
SHORT_WAIT = 0.05


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
    config: ArrivalRateConfig
    counts_running_only: ClassVar[bool] = True

    def __init__(self, config: ArrivalRateConfig, env: RunEnv) -> None:
        super().__init__(config, env)
        self._lateness_file = lateness_path()
        self._lateness = LatenessLog() if self._lateness_file else None

    async def drive(self) -> None:
        assert self.started_at is not None
        arrival_stripe = self.config.arrival_stripe(self.stripe)
        if arrival_stripe is None:
            return
        limit = self.stripe.scale(self.config.max_vus_total)
        free: deque[VirtualUser] = deque(self.take_vus(self.config.planned_vus(self.stripe)))
        warned = False
        start = self.started_at
        for index, offset in self.config.arrivals(arrival_stripe):
            due = start + offset
            while not self.stopping and (wait := due - now()) > 0:
                if wait > SHORT_WAIT:
                    await self.sleep_until(due)  # wakes at once when the scenario is stopped
                else:  # a plain timer: no stop-event task and timeout handle per arrival
                    await asyncio.sleep(max(wait, TICK))
            if self.stopping:
                break
            if free:
                self.spawn(self._run(free, free.popleft(), index, due))
                continue
            self.drop(1)  # no free VU: the arrival is lost, never queued
            if self.allocated_vus < limit:
                free.append(self.take_vus(1)[0])  # grow by one VU, for the next arrivals
            elif not warned:
                warned = True
                log.warning(
                    "Insufficient VUs, reached %d active VUs and cannot initialize more (scenario %s)",
                    self.allocated_vus,
                    self.config.name,
                )
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self, free: deque[VirtualUser], vu: VirtualUser, index: int, due: float) -> None:
        # lateness is measured when the iteration really starts (its task's first step)
        late = now() - due
        if late > self.lateness_max:
            self.lateness_max = late
        if self._lateness is not None:
            self._lateness.add(late)
        # `iteration`, inlined: one coroutine level less per iteration
        self._begin_iteration()
        try:
            await vu.run_iteration(self.ctx, index)
        except asyncio.CancelledError:
            self.interrupted += 1
            raise
        except Exception as exc:
            self._iteration_failed(exc)
            return
        finally:
            self.active_vus -= 1  # counts_running_only
            free.append(vu)
        self.completed += 1

    def finish(self) -> None:
        if self._lateness is not None and self._lateness_file:
            self._lateness.write(self._lateness_file, self.config.name, self.config.executor)
