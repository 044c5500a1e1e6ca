"""Where the CPU of a per-vu-iterations start goes: `loadpy run` with phase marks on stderr.

    PYTHONPATH=<tree> python benchmarks/start_phases.py run -q --address "" scenario.yaml

Prints, at each phase, seconds since the process was launched (from /proc), the process's CPU
seconds and the CPU seconds the cyclic garbage collector took so far (gc.callbacks): interpreter
up, the pool's pre-allocation begins and ends, the per-vu-iterations drive begins, the first and
the last VU loop run (every VU started), the drive ends, exit. It wraps loadpy's own methods
(VUPool.preallocate_in_chunks, PerVUIterationsRunner.drive and _vu_loop): a benchmark hook only.

With LOADPY_TRACEMALLOC=1, allocations are traced (slower) and 1 s after the last VU loop runs the
biggest allocation sites still alive are printed per VU (what a sleeping VU is made of).
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import os
import runpy
import sys
import time
from typing import Any

with open("/proc/self/stat") as fh:
    _start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
with open("/proc/stat") as fh:
    _boot = float(fh.read().split("btime ")[1].split()[0])
LAUNCHED = _boot + _start_ticks / os.sysconf("SC_CLK_TCK")
_gc = {"cpu": 0.0, "started": 0.0}


def _collector(phase: str, _info: dict[str, Any]) -> None:
    if phase == "start":
        _gc["started"] = time.process_time()
    else:
        _gc["cpu"] += time.process_time() - _gc["started"]


def mark(what: str) -> None:
    wall, cpu = time.time() - LAUNCHED, time.process_time()
    print(f"{what:<28} wall {wall:6.2f} s  cpu {cpu:6.2f} s  gc cpu {_gc['cpu']:5.2f} s", file=sys.stderr, flush=True)


def sites_per_vu(vus: int, top: int = 20) -> None:
    """The `top` allocation sites alive now, in bytes and blocks per VU (line of the allocation)."""
    import tracemalloc

    stats = tracemalloc.take_snapshot().statistics("lineno")
    print(f"traced now: {sum(s.size for s in stats) / 1e6:.1f} MB for {vus:,} VUs", file=sys.stderr)
    for stat in stats[:top]:
        frame = stat.traceback[0]
        where = f"{frame.filename}:{frame.lineno}"
        print(f"{stat.size / vus:8.1f} B/VU {stat.count / vus:6.2f} blocks/VU  {where}", file=sys.stderr)


def main() -> None:
    gc.callbacks.append(_collector)
    if os.environ.get("LOADPY_TRACEMALLOC"):
        import tracemalloc

        tracemalloc.start(1)
    mark("interpreter up")
    import loadpy.engine.pool as pool
    import loadpy.executors.per_vu_iterations as pvi

    preallocate = pool.VUPool.preallocate_in_chunks
    drive, vu_loop = pvi.PerVUIterationsRunner.drive, pvi.PerVUIterationsRunner._vu_loop
    started = [0]

    async def marked_preallocate(self: Any, *args: Any, **kwargs: Any) -> None:
        mark("pool pre-allocation begins")
        await preallocate(self, *args, **kwargs)
        mark("pool pre-allocation ends")

    async def marked_drive(self: Any) -> None:
        mark("drive begins")
        await drive(self)
        mark("drive ends")

    async def marked_vu_loop(self: Any, index: int, vu: Any) -> None:
        started[0] += 1
        if started[0] == 1:
            mark("first VU loop runs")
        if started[0] == self.config.planned_vus(self.stripe):
            mark("last VU loop runs")
            if os.environ.get("LOADPY_TRACEMALLOC"):
                asyncio.get_running_loop().call_later(1.0, sites_per_vu, started[0])
        await vu_loop(self, index, vu)

    pool.VUPool.preallocate_in_chunks = marked_preallocate  # type: ignore[method-assign]
    pvi.PerVUIterationsRunner.drive = marked_drive  # type: ignore[method-assign]
    pvi.PerVUIterationsRunner._vu_loop = marked_vu_loop  # type: ignore[method-assign]
    atexit.register(mark, "exit")
    sys.argv = ["loadpy", *sys.argv[1:]]
    runpy.run_module("loadpy", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
