"""The `processes` backend: `--workers N`, N worker processes (loadpy.workers), one execution segment
each, coordinated from this process."""

from __future__ import annotations

from loadpy.pipeline.backends import RunBackend
from loadpy.pipeline.plan import TestPlan


def processes_backend(plan: TestPlan, count: int) -> RunBackend:
    """The coordinator of `count` workers; with --out, every sample travels to it with the deltas."""
    from loadpy.workers.coordinator import Coordinator

    return Coordinator(plan, count, stream_samples=bool(plan.options.out))
