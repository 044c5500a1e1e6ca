"""The run's single monotonic timebase.

Every duration loadpy reports comes from `now()` (seconds, float, monotonic).
Wall-clock timestamps for outputs are derived from one anchor taken at start,
so that they never jump when the system clock is adjusted.
"""

from __future__ import annotations

import asyncio
import time

now = time.perf_counter
"""Monotonic seconds; the only clock used for measurements."""

_ANCHOR_MONO = time.perf_counter()
_ANCHOR_WALL_NS = time.time_ns()


def wall_ns(mono: float) -> int:
    """Unix nanoseconds corresponding to a `now()` reading."""
    return _ANCHOR_WALL_NS + int((mono - _ANCHOR_MONO) * 1e9)


async def sleep(seconds: float) -> None:
    """Sleep at least `seconds` on `now()`'s clock, as Go's time.Sleep (k6's sleep) does. The event
    loop's timers count whole milliseconds from a time cached at the start of the loop's pass, so
    `asyncio.sleep` alone wakes up to a millisecond early (measured: 69 of 100 sleeps of 20.3 ms):
    iteration_duration would then read below the script's own sleep."""
    end = now() + seconds
    await asyncio.sleep(seconds)
    while (left := end - now()) > 0:
        await asyncio.sleep(left)
