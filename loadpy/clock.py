"""The run's single monotonic timebase.

Every duration loadpy reports comes from `now()` (seconds, float, monotonic).
Wall-clock timestamps for outputs are derived from one anchor taken at start,
so that they never jump when the system clock is adjusted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from itertools import repeat
from operator import add, mul, sub

now = time.perf_counter
"""Monotonic seconds; the only clock used for measurements."""

_ANCHOR_MONO = time.perf_counter()
_ANCHOR_WALL_NS = time.time_ns()


def wall_ns(mono: float) -> int:
    """Unix nanoseconds corresponding to a `now()` reading."""
    return _ANCHOR_WALL_NS + int((mono - _ANCHOR_MONO) * 1e9)


def wall_ns_many(monos: Iterable[float]) -> tuple[int, list[int]]:
    """`wall_ns` of each reading, the same arithmetic in C passes (a streaming output's whole batch), as an
    origin (a whole multiple of 10 s) and each reading's nanoseconds after it: small integers, which a
    batch's further arithmetic divides several times faster than Unix nanoseconds (past 2**60)."""
    origin = _ANCHOR_WALL_NS - _ANCHOR_WALL_NS % 10**10
    offsets = map(int, map(mul, map(sub, monos, repeat(_ANCHOR_MONO)), repeat(1e9)))
    return origin, list(map(add, offsets, repeat(_ANCHOR_WALL_NS - origin)))


async def sleep(seconds: float) -> None:
    """Sleep at least `seconds` on `now()`'s clock, as Go's time.Sleep (k6's sleep) does. The event
    loop's timers count whole milliseconds from a time cached at the start of the loop's pass, so
    `asyncio.sleep` alone wakes up to a millisecond early (measured: 69 of 100 sleeps of 20.3 ms):
    iteration_duration would then read below the script's own sleep."""
    end = now() + seconds
    await asyncio.sleep(seconds)
    while (left := end - now()) > 0:
        await asyncio.sleep(left)
