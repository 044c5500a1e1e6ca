"""The VU pool: VUs are created once (ids 1-based) and lent to scenarios.

The engine pre-creates as many VUs as the scenario plans need at the busiest moment
(VUs are shared between scenarios whose plans do not overlap in time); arrival-rate
executors may grow it at run time, up to their maxVUs.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Iterable

from loadpy.base.collector import long_lived_burst, thaw
from loadpy.base.runtime import Runtime, VirtualUser
from loadpy.executors.base import ExecutorConfig
from loadpy.segments import FULL, Stripe

PREALLOCATE_CHUNK = 1000  # VUs created between two turns of the event loop


def planned_pool_size(scenarios: Iterable[ExecutorConfig], stripe: Stripe) -> int:
    """Most planned VUs in use at once; a scenario holds its VUs over
    [startTime, startTime + regular duration + gracefulStop) (forever when endless)."""
    events: list[tuple[float, int]] = []
    for config in scenarios:
        vus = config.planned_vus(stripe)
        if vus <= 0:
            continue
        start = config.start_time
        end = start + config.regular_duration() + config.graceful_stop
        events.append((start, vus))
        if math.isfinite(end):
            events.append((end, -vus))
    events.sort(key=lambda e: (e[0], e[1]))  # an end at t frees VUs before a start at t takes them
    peak = cur = 0
    for _, delta in events:
        cur += delta
        peak = max(peak, cur)
    return peak


class VUPool:
    def __init__(self, runtime: Runtime, stripe: Stripe = FULL) -> None:
        self._runtime = runtime
        self._stripe = stripe
        self._free: deque[VirtualUser] = deque()
        self.all: list[VirtualUser] = []

    @property
    def initialized(self) -> int:
        """`vus_max`: VUs created so far."""
        return len(self.all)

    def _create(self) -> VirtualUser:
        id_in_instance = len(self.all) + 1
        # the global id follows the segment's stripe of the full sequence (k6 idInTest)
        id_in_test = self._stripe.nth(id_in_instance - 1) + 1
        vu = self._runtime.new_vu(id_in_instance, id_in_test)
        self.all.append(vu)
        return vu

    def preallocate(self, count: int) -> None:
        while len(self.all) < count:
            self._free.append(self._create())

    async def preallocate_in_chunks(self, count: int, chunk: int = PREALLOCATE_CHUNK) -> None:
        """`preallocate`, handing the loop back every `chunk` VUs: creating 100k VUs takes seconds,
        during which the REST API, signals and the progress display must still be served.
        The VUs live for the run: the garbage collector does not traverse them (base/collector.py)."""
        with long_lived_burst():
            while len(self.all) < count:
                self.preallocate(min(count, len(self.all) + chunk))
                await asyncio.sleep(0)

    def take(self, count: int) -> list[VirtualUser]:
        out = []
        for _ in range(count):
            out.append(self._free.popleft() if self._free else self._create())
        return out

    def release(self, vus: list[VirtualUser]) -> None:
        self._free.extend(vus)

    async def close(self) -> None:
        try:
            for vu in self.all:
                await vu.close()
        finally:
            thaw()  # the run is over: its VUs and tasks are the collector's again
