"""The cyclic garbage collector around bursts of long-lived objects (creating and starting VUs).

Creating 100k VUs and their tasks allocates a few million tracked objects that live until the
end of the run. The collector, triggered by the allocation count, traverses all of them again
and again while they are made (measured: 6.5 of the 11 s of CPU 100k VUs took to start), and
every full collection of the run traverses them once more. So a burst runs with the collector
paused; at its end everything alive is moved to the permanent generation (`gc.freeze()`: a list
splice, no traversal) and the collector resumes for what the run allocates afterwards. `thaw()`
at the end of the run hands the frozen objects back to it (a process running several tests
collects the previous runs' cycles).

Bursts may overlap (scenarios start concurrently): the collector resumes when the last ends.
When the host process had disabled the collector, nothing is touched.

While the scenarios run, the young generation's threshold grows with the VUs (YOUNG_PER_VU): a
young collection starts when the tracked objects allocated since the last one outnumber those
freed by its threshold (700 by default), and with N VUs in flight that count swings by 2-3 objects per VU
as responses arrive in bursts and their iterations' objects are made before the last ones are
freed. At 700 (CPython's default) 10,000 VUs triggered a young collection every ~280 requests,
each walking live objects of cold VUs (~1.5 µs each), their survivors promoted until a full
collection walked every VU's client and connection (~150 ms each): 16 µs of CPU per request
(benchmarks/README.md, "Cost growth with VUs"). Garbage cycles are still collected, after
YOUNG_PER_VU x VUs of them at most.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

YOUNG_PER_VU = 3  # young-generation threshold per VU while scenarios run (measured swing: 2-3 per VU)


class _Pause:
    depth = 0  # bursts in progress
    resume = False  # the collector was enabled when the first of them began
    frozen = False  # objects were frozen since the last thaw()


@contextmanager
def long_lived_burst() -> Iterator[None]:
    """Pause the collector while many objects that live for the run are allocated; freeze them after."""
    if _Pause.depth == 0:
        _Pause.resume = gc.isenabled()
        gc.disable()
    _Pause.depth += 1
    try:
        yield
    finally:
        _Pause.depth -= 1
        if _Pause.depth == 0 and _Pause.resume:
            gc.freeze()
            _Pause.frozen = True
            gc.enable()


@contextmanager
def frozen_while_scenarios_run(vus: int = 0) -> Iterator[None]:
    """Freeze what exists when the scenarios start (modules, the VUs, their scripts) out of the
    collector until they end, after a young collection (so the frozen objects are not garbage
    already): a full collection during the run then walks only what the run allocated since
    (measured: ~20-30 ms per full collection otherwise, an arrival-rate start that late).
    With `vus` VUs the young threshold is YOUNG_PER_VU per VU meanwhile (never below the one set)."""
    gc.collect(1)
    gc.freeze()
    _Pause.frozen = True
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], YOUNG_PER_VU * vus), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        thaw()


@contextmanager
def start_up_burst() -> Iterator[None]:
    """A run's start (importing its modules, building its plan) as a long-lived burst: what it allocates
    lives for the run, and the ~50 collections it would trigger only traverse that (8.8 ms of the 220 ms
    of CPU of a one-iteration run). When the start fails, nothing stays frozen."""
    try:
        with long_lived_burst():
            yield
    except BaseException:
        thaw()
        raise


def thaw() -> None:
    """The run is over: what the bursts froze is the collector's again."""
    if _Pause.frozen and _Pause.depth == 0:
        _Pause.frozen = False
        gc.unfreeze()


def exit_process(code: int) -> NoReturn:
    """A loadpy process's last act (the `loadpy` command, a worker): every object still alive moves to the
    permanent generation, so the interpreter's finalization frees them by reference count as it clears
    the modules, without the collections that would traverse them all first (6 % of the instructions
    of a one-iteration run). Never for a function a host process calls (loadpy.run(), tests)."""
    gc.freeze()
    sys.exit(code)
