"""The seam between the engine (executors, scheduler) and what a VU runs (flows, Python code).

The engine decides *when* iterations start and stop; the runtime decides *what* an
iteration does and records the per-iteration metrics. Neither knows the other's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # (a type only: base/ imports nothing above it)
    from loadpy.metrics.tags import TagSet


@dataclass(slots=True)
class ScenarioContext:
    """What a VU needs to know about the scenario it is running an iteration for."""

    name: str
    executor: str
    exec_name: str  # the flow (YAML) or function (Python) to run
    env: dict[str, str] = field(default_factory=dict)  # scenario `env`, layered over the run's env
    tags: TagSet = ()  # run tags + scenario tags + scenario=<name> (when the system tag is on)
    start_time: float = 0.0  # clock.now() when the scenario started
    iterations_in_instance: int = 0  # incremented by the executor for each started iteration
    progress: float = 0.0  # 0..1, maintained by the executor


class IterationTally(Protocol):
    """An executor's iteration counts, kept by the VU's iteration loop (see `VirtualUser.run_iterations`)."""

    started: int
    completed: int
    interrupted: int

    def iteration_failed(self, exc: Exception) -> None: ...


def one_index(index: int) -> Callable[[], int | None]:
    """`next_index` of a single iteration: `index`, then None (a C iterator's `__next__`: no Python
    call per use, as an arrival-rate VU makes one per arrival)."""
    return iter((index, None)).__next__


class VirtualUser(Protocol):
    """One VU. Created by `Runtime.new_vu`, reused across iterations and scenarios."""

    id_in_instance: int  # 1-based within this process
    id_in_test: int  # 1-based, unique across execution segments

    async def run_iterations(
        self, scenario: ScenarioContext, next_index: Callable[[], int | None], tally: IterationTally
    ) -> None:
        """Run iterations of `scenario` while `next_index()` gives their index in the test (None: stop),
        each recording `iterations`, `iteration_duration`, `data_sent`, `data_received`; the VU's
        iteration loop is one coroutine (a level less on every resume than a loop around one
        coroutine per iteration). Counts into `tally` (before each start: `scenario.iterations_in_instance
        = tally.started`, then `started += 1`):

        - `completed += 1` when an iteration completed, even if the user's code raised an error
          (k6 counts such an iteration as full and logs the error).
        - `interrupted += 1` and `asyncio.CancelledError` passed on when the executor hard-stops it
          (gracefulStop or gracefulRampDown expired, or the test is aborted): such an iteration
          records only data_sent/data_received.
        - `tally.iteration_failed(exc)` and the loop ends on any other exception: a
          `loadpy.errors.TestAbort` from code that asked to abort the whole test (after recording
          the aborting iteration, which k6 counts), or a bug in the runtime.
        """
        ...

    async def close(self) -> None:
        """Close this VU's connections at the end of the run."""
        ...


class Runtime(Protocol):
    """What the engine needs from the layer that runs user code."""

    def new_vu(self, id_in_instance: int, id_in_test: int) -> VirtualUser: ...

    async def setup(self) -> Any:
        """Run the `setup` flow/function (if any) and return its JSON-serialisable data."""
        ...

    async def teardown(self, setup_data: Any) -> None: ...

    @property
    def test_failed(self) -> bool:
        """True once code marked the test failed (k6's exec.test.fail → exit 110)."""
        ...
