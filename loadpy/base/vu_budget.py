"""Growing the VU pool at run time (REST `vus-max`) without exhausting memory or stalling the loop.

k6 simply tries: `vus-max: 100000000` makes it initialise VUs until the kernel kills it. loadpy
measures what the first batch of new VUs costs, refuses a growth that would not fit in the memory
the machine has available, and creates the rest in small batches with a yield between them, so the
API, the running VUs and the test's end keep their timing.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

GROW_BATCH = 100  # ~4 ms of VU creation per batch on a slow core
# tracemalloc sees Python objects only; allocator overhead and buffers roughly double a VU's footprint
FOOTPRINT_FACTOR = 2.0
MIN_FREE_BYTES = 64 << 20  # stop growing when the machine gets this close to running out


def available_memory() -> int | None:
    """MemAvailable in bytes (Linux); None where the kernel does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def measured(create: Callable[[int], list[T]], count: int) -> tuple[list[T], float]:
    """create(count) and the bytes each created item holds (0.0 when tracemalloc is already in use)."""
    if tracemalloc.is_tracing():  # someone else's measurement: don't disturb it
        return create(count), 0.0
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        items = create(count)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return items, max(after - before, 0) / max(len(items), 1)


def shortfall(per_vu_bytes: float, more: int) -> str | None:
    """Why `more` VUs of this size cannot be created now; None when they fit (or memory is unknown)."""
    available = available_memory()
    if available is None or per_vu_bytes <= 0:
        return None
    needed = per_vu_bytes * FOOTPRINT_FACTOR * more
    if needed <= available - MIN_FREE_BYTES:
        return None
    return (
        f"not enough memory to initialize {more} more VUs: about {needed / (1 << 20):.0f} MiB needed, "
        f"{available / (1 << 20):.0f} MiB available"
    )


def running_out() -> str | None:
    """Checked between batches: the machine is about to run out of memory."""
    available = available_memory()
    if available is None or available > MIN_FREE_BYTES:
        return None
    return f"stopped initializing VUs: only {available / (1 << 20):.0f} MiB of memory left"
