"""clock.sleep never wakes early on the run's clock (Go's time.Sleep doesn't; asyncio.sleep on uvloop does)."""

from __future__ import annotations

import uvloop

from loadpy import clock


def test_sleep_lasts_at_least_what_was_asked() -> None:
    async def shortest_over(seconds: float, times: int) -> float:
        shortest = float("inf")
        for _ in range(times):
            start = clock.now()
            await clock.sleep(seconds)
            shortest = min(shortest, clock.now() - start)
        return shortest

    # 20.3 ms is not a whole number of the loop's milliseconds: the case asyncio.sleep wakes early on
    assert uvloop.run(shortest_over(0.0203, 60)) >= 0.0203
    assert uvloop.run(shortest_over(0.0, 5)) >= 0.0
