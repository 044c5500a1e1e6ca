"""What the process does beside the VUs while scenarios run, kept off the loop's critical path.

Every loop turn spent on bookkeeping delays whatever is due meanwhile: an arrival-rate iteration
planned for that millisecond starts late by the whole turn (measured with
benchmarks/arrival_lateness.py at 5,000 arrivals/s: folding a second's trend values at once took
15-30 ms of CPU, and a full collection of the VUs' objects ~20-30 ms). So:

* trend values are folded into their bounded stores every FOLD_EVERY_S, one series per loop turn
  (a tenth of a second of values: well under a millisecond), not a whole second's at once; the
  series are looked at SCAN_CHUNK per turn, and the passes space out when there are so many
  series that looking at them all would cost more than SCAN_SHARE of the time;
* (the collector's side, freezing what exists when the scenarios start, is loadpy/base/collector.py)
"""

from __future__ import annotations

import asyncio

from loadpy.clock import now
from loadpy.metrics.metric import MetricType
from loadpy.metrics.registry import FOLD_BATCH, Registry
from loadpy.metrics.sinks import TrendSink

FOLD_EVERY_S = 0.1
SCAN_CHUNK = 512  # series looked at between two loop turns when none needs folding
# the scan of every trend series (not the folds, which are owed anyway) takes at most this share of
# the time: with tens of thousands of series (one per URL) the passes space out instead
SCAN_SHARE = 0.01


async def fold_in_slices(registry: Registry, every: float = FOLD_EVERY_S) -> None:
    """Fold each trend series holding FOLD_BATCH values or more, one per loop turn, every `every`
    seconds (longer when looking at every series costs more than SCAN_SHARE); runs until cancelled."""
    pause = every
    while True:
        await asyncio.sleep(pause)
        scanning = 0.0
        since = now()
        for metric in [m for m in registry.metrics.values() if m.type is MetricType.TREND]:
            # a list: series added while this yields must not break the iteration
            for looked, sink in enumerate(list(registry.series(metric).values()), 1):
                assert isinstance(sink, TrendSink)
                folding = sink.buffered >= FOLD_BATCH
                if folding or looked % SCAN_CHUNK == 0:
                    scanning += now() - since
                    if folding:
                        sink.fold()
                    await asyncio.sleep(0)
                    since = now()
        scanning += now() - since
        pause = max(every, scanning / SCAN_SHARE)
