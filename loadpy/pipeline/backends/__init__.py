"""Where a plan's VUs run, behind one interface the composition root (loadpy.pipeline.run) drives:

    local      this process: loadpy.engine.scheduler.Engine
    processes  `--workers N`: N worker processes, one execution segment each (loadpy.workers.coordinator);
               with `--engine ray` the same processes on Ray node agents (loadpy.cluster)

Each is a loadpy.pipeline.lifecycle.Backend with the one Lifecycle in `.lifecycle`; `lifecycle.run()`
returns the RunState whatever the backend.
"""

from __future__ import annotations

from typing import Any, Protocol

from loadpy.pipeline.lifecycle import Lifecycle
from loadpy.pipeline.plan import TestPlan


class RunBackend(Protocol):
    lifecycle: Lifecycle

    @property
    def banner_note(self) -> str | None:
        """A line the run's banner adds for this backend (None: nothing)."""

    def progress(self) -> list[Any]:
        """Each scenario's progress (loadpy.engine.scheduler.ScenarioProgress), for the progress bars."""


def open_backend(plan: TestPlan, workers: int, launcher: Any = None) -> RunBackend:
    """The backend for `workers` processes (1 and no launcher: this one); call it inside the run's event
    loop. A launcher (`--engine ray`, loadpy.cluster) places the processes on other machines."""
    if workers > 1 or launcher is not None:
        from loadpy.pipeline.backends.processes import processes_backend

        return processes_backend(plan, workers, launcher)
    from loadpy.pipeline.backends.local import local_backend

    return local_backend(plan)
