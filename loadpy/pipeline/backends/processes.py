"""The `processes` backend: `--workers N`, N worker processes (loadpy.workers), one execution segment
each, coordinated from this process."""

from __future__ import annotations

from typing import Any

from loadpy.pipeline.backends import RunBackend
from loadpy.pipeline.plan import TestPlan


def processes_backend(plan: TestPlan, count: int, launcher: Any = None) -> RunBackend:
    """The coordinator of `count` workers; with --out, every sample travels to it with the deltas. A
    launcher (loadpy.workers.coordinator.Launcher: `--engine ray`) starts the workers on other machines."""
    from loadpy.workers.coordinator import Coordinator

    return Coordinator(plan, count, stream_samples=bool(plan.options.out), launcher=launcher)
