"""Blocking calls in script code: found and named, at no cost per request.

Every VU shares one event loop, so a blocking call in a script (`time.sleep`, `requests`, a sync
database driver, long CPU work) stalls every VU while it runs. The watchdog finds it: a heartbeat
callback on the loop notes when the loop last ran; a daemon thread looks every `TICK` seconds and,
when the heartbeat is older than `THRESHOLD`, reads the loop thread's stack. When the same line of
user code (the innermost frame outside loadpy, the standard library and installed packages) is
still running half a threshold later, it is a blocking call: once the loop runs again, one warning names
the scenario, the file and line, and how long the loop was held (once per scenario and line).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from types import FrameType

import loadpy.vu as vu_package

log = logging.getLogger("loadpy.vu")

THRESHOLD = 0.1  # seconds the loop may be held before a call is reported
TICK = 0.025  # heartbeat and watch period (seconds)

_LIBRARY_DIRS = tuple(
    {os.path.dirname(os.path.dirname(os.path.abspath(vu_package.__file__))) + os.sep}
    | {
        os.path.abspath(p) + os.sep
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (p := sysconfig.get_paths().get(key))
    }
)


def _is_library(filename: str, cache: dict[str, bool] = {}) -> bool:  # noqa: B006 (a deliberate cache)
    known = cache.get(filename)
    if known is None:
        known = cache[filename] = filename.startswith("<") or os.path.abspath(filename).startswith(_LIBRARY_DIRS)
    return known


class Site:
    """Where the loop is held: the user frame and line, and the scenario (or setup/teardown) running it."""

    __slots__ = ("filename", "frame", "line", "scenario", "since")

    def __init__(self, frame: FrameType, scenario: str, since: float) -> None:
        self.frame = frame
        self.filename = frame.f_code.co_filename
        self.line = frame.f_lineno
        self.scenario = scenario
        self.since = since

    def same_call(self, other: Site) -> bool:
        return other.frame is self.frame and other.line == self.line


class BlockingWatchdog:
    """Watches one event loop (see the module docstring). `scenario_of(frame)` names the scenario
    of a stack frame that runs one (None for any other frame)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        scenario_of: Callable[[FrameType], str | None],
        threshold: float = THRESHOLD,
    ) -> None:
        self.loop = loop
        self.threshold = threshold
        self._scenario_of = scenario_of
        self._last_beat = time.monotonic()
        self._held: Site | None = None  # a blocking call seen on two looks, reported when the loop runs again
        self._reported: set[tuple[str, str, int]] = set()
        self._loop_thread = threading.get_ident()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="loadpy-blocking-watchdog", daemon=True)

    def start(self) -> None:
        self.loop.call_soon(self._beat)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    # -- on the loop ----------------------------------------------------------------------------
    def _beat(self) -> None:
        now = time.monotonic()
        held, self._held = self._held, None
        if held is not None:
            self._report(held, now - self._last_beat)
        self._last_beat = now
        if not self._stopped.is_set():
            self.loop.call_later(TICK, self._beat)

    def _report(self, held: Site, seconds: float) -> None:
        key = (held.scenario, held.filename, held.line)
        if key in self._reported:
            return
        self._reported.add(key)
        log.warning(
            "a blocking call held the event loop for %.0f ms in %s at %s:%d; every VU stalls meanwhile. Use an "
            "async library (the vu.http client, asyncio) or run it on a thread: await vu.run_blocking(fn, *args)",
            seconds * 1000.0,
            held.scenario,
            os.path.basename(held.filename),
            held.line,
        )

    # -- on the watchdog thread -----------------------------------------------------------------
    def _watch(self) -> None:
        candidate: Site | None = None
        while not self._stopped.wait(TICK):
            if self.loop.is_closed():
                return
            now = time.monotonic()
            if now - self._last_beat < self.threshold:
                candidate = None
                continue
            site = self._user_site(now)
            if site is None:
                candidate = None
            elif candidate is not None and candidate.same_call(site):
                # still the same call half a threshold later (not a descheduled process caught twice)
                if self._held is None and now - candidate.since >= self.threshold / 2:
                    self._held = candidate  # the loop reports it at its next heartbeat
            else:
                candidate = site

    def _user_site(self, now: float) -> Site | None:
        frame = sys._current_frames().get(self._loop_thread)
        user: FrameType | None = None
        while frame is not None:
            if user is None and not _is_library(frame.f_code.co_filename):
                user = frame
            elif user is not None:
                scenario = self._scenario_of(frame)
                if scenario is not None:
                    return Site(user, scenario, now)
            frame = frame.f_back
        return None
