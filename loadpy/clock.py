"""The run's single monotonic timebase.

Every duration loadpy reports comes from `now()` (seconds, float, monotonic).
Wall-clock timestamps for outputs are derived from one anchor taken at start,
so that they never jump when the system clock is adjusted.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import sys
import time
from collections.abc import Iterable
from functools import partial
from itertools import repeat
from operator import add, mul, sub
from typing import Any

now = time.perf_counter
"""Monotonic seconds; the only clock used for measurements."""

_ANCHOR_MONO = time.perf_counter()
_ANCHOR_WALL_NS = time.time_ns()


def wall_ns(mono: float) -> int:
    """Unix nanoseconds corresponding to a `now()` reading."""
    return _ANCHOR_WALL_NS + int((mono - _ANCHOR_MONO) * 1e9)


def anchor() -> tuple[float, int]:
    """The (`now()`, Unix nanoseconds) pair `wall_ns` converts with: a process that formats another's
    samples (the outputs' writer child) adopts it with `use_anchor`, so its times are the same digits."""
    return _ANCHOR_MONO, _ANCHOR_WALL_NS


def use_anchor(mono: float, wall_ns: int) -> None:
    global _ANCHOR_MONO, _ANCHOR_WALL_NS
    _ANCHOR_MONO, _ANCHOR_WALL_NS = mono, wall_ns


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


class Alarm:
    """Wakes one waiter at a `now()` time with the kernel's precision: a Linux timerfd the event loop
    watches. uvloop's timers count whole milliseconds from a time cached at the start of each loop
    turn, so `asyncio.sleep` wakes up to ~2 ms after the time asked for (measured at 5,000
    arrivals/s: a start lateness spread evenly over 0-2 ms); a timerfd becomes readable within
    microseconds of its deadline and wakes the loop's poll at once.

    `Alarm.open()` gives None where there is no timerfd (not Linux, or a loop without readers):
    callers then sleep with the loop's own timers."""

    __slots__ = ("_arm", "_fd", "_loop", "_spec", "_value", "_waiter")

    def __init__(self, fd: int, loop: asyncio.AbstractEventLoop) -> None:
        self._fd = fd
        self._loop = loop
        self._spec = _ItimerSpec()
        self._value = self._spec.it_value  # a view into _spec: set per wait without a new object
        spec_ref = ctypes.byref(self._spec)
        self._arm = partial(_timerfd_settime, fd, _TFD_TIMER_ABSTIME, spec_ref, None)
        self._waiter: asyncio.Future[None] | None = None
        loop.add_reader(fd, self._fired)

    @classmethod
    def open(cls) -> Alarm | None:
        loop = asyncio.get_running_loop()
        fd = _timerfd_create()
        if fd is None:
            return None
        try:
            return cls(fd, loop)
        except (NotImplementedError, OSError):  # a loop that cannot watch file descriptors
            os.close(fd)
            return None

    def until(self, when: float) -> asyncio.Future[None]:
        """A future done at `now()` time `when` (at once when it has passed)."""
        waiter = self._waiter = self._loop.create_future()
        ns = max(int(when * 1e9), 1)  # all zeros would disarm the timer instead
        value = self._value
        value.tv_sec, value.tv_nsec = divmod(ns, 1_000_000_000)
        if self._arm() != 0:
            waiter.set_result(None)  # cannot arm (never seen): the caller's loop checks the time again
        return waiter

    def _fired(self) -> None:
        try:
            os.read(self._fd, 8)
        except BlockingIOError:  # re-armed since it became readable
            return
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self) -> None:
        self._loop.remove_reader(self._fd)
        os.close(self._fd)


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _ItimerSpec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


_CLOCK_MONOTONIC = 1  # now()'s clock (time.perf_counter is clock_gettime(CLOCK_MONOTONIC) on Linux)
_TFD_NONBLOCK = os.O_NONBLOCK
_TFD_CLOEXEC = 0o2000000
_TFD_TIMER_ABSTIME = 1


def _libc_function(name: str, *argtypes: Any) -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = argtypes  # declared: no per-call guessing of the conversions
    function.restype = ctypes.c_int
    return function


_create = _libc_function("timerfd_create", ctypes.c_int, ctypes.c_int)
_timerfd_settime = _libc_function("timerfd_settime", ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def _timerfd_create() -> int | None:
    if _create is None or _timerfd_settime is None:
        return None
    if time.get_clock_info("perf_counter").implementation != "clock_gettime(CLOCK_MONOTONIC)":
        return None
    fd = _create(_CLOCK_MONOTONIC, _TFD_NONBLOCK | _TFD_CLOEXEC)
    return None if fd < 0 else int(fd)
