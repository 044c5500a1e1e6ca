"""The seam between the engine (executors, scheduler) and what a VU runs (flows, Python code).

The engine decides *when* iterations start and stop; the runtime decides *what* an
iteration does and records the per-iteration metrics. Neither knows the other's internals.
"""

from __future__ import annotations

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


class VirtualUser(Protocol):
    """One VU. Created by `Runtime.new_vu`, reused across iterations and scenarios."""

    id_in_instance: int  # 1-based within this process
    id_in_test: int  # 1-based, unique across execution segments

    async def run_iteration(self, scenario: ScenarioContext, iteration_in_test: int) -> None:
        """Run one iteration and record `iterations`, `iteration_duration`, `data_sent`, `data_received`.

        - Returns normally when the iteration completed, even if the user's code raised an
          error (k6 counts such an iteration as full and logs the error).
        - Raises `asyncio.CancelledError` when the executor hard-stops it (gracefulStop or
          gracefulRampDown expired, or the test is aborted): such an iteration is *interrupted*
          and records only data_sent/data_received.
        - Raises `loadpy.errors.TestAbort` when the code asked to abort the whole test; the
          aborting iteration itself is counted (k6 behaviour).
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
