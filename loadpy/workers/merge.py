"""Merging what the workers report into one view of the run.

Each worker sends its registry's delta every second (loadpy.metrics.deltas); the coordinator
merges it into its own registry as it arrives, so it keeps one running registry and a tick
costs what the workers added, not the run's history. Counters, rates and trends merge exactly.
Gauges merge as "last value wins", which is wrong for `vus`/`vus_max`: four workers with 10 VUs
each run 40 VUs, not 10. So workers never send those two (VU_GAUGES) and the coordinator
records them itself, as the sum of the workers' reported VU counts; progress sums here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

VU_GAUGES = frozenset({"vus", "vus_max"})


def merge_progress(per_worker: Sequence[Sequence[Any]]) -> list[Any]:
    """Sum the workers' per-scenario progress (loadpy.base.progress.ScenarioProgress) by scenario."""
    merged: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for scenarios in per_worker:
        for s in scenarios:
            have = merged.get(s.name)
            counts[s.name] = counts.get(s.name, 0) + 1
            if have is None:
                merged[s.name] = replace(s)
                continue
            have.active_vus += s.active_vus
            have.max_vus += s.max_vus
            have.iterations_done += s.iterations_done
            have.interrupted += s.interrupted
            have.dropped += s.dropped
            have.elapsed = max(have.elapsed, s.elapsed)
            have.done = have.done and s.done
            have.fraction += s.fraction
    for name, s in merged.items():
        s.fraction /= counts[name]
    return list(merged.values())
