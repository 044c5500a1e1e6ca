"""The run's single monotonic timebase.

Every duration loadpy reports comes from `now()` (seconds, float, monotonic).
Wall-clock timestamps for outputs are derived from one anchor taken at start,
so that they never jump when the system clock is adjusted.
"""

from __future__ import annotations

import time

now = time.perf_counter
"""Monotonic seconds; the only clock used for measurements."""

_ANCHOR_MONO = time.perf_counter()
_ANCHOR_WALL_NS = time.time_ns()


def wall_ns(mono: float) -> int:
    """Unix nanoseconds corresponding to a `now()` reading."""
    return _ANCHOR_WALL_NS + int((mono - _ANCHOR_MONO) * 1e9)
