"""The `Runtime` every front end builds (`BaseRuntime`): scenario bodies, setup/teardown, VUs.
YAML flows (`loadpy.flows.runtime.FlowRuntime`) and Python scripts (`PythonRuntime`) share one
VU class (`state.VUState`, with the iteration loop) and this plumbing."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

from loadpy.base.runtime import ScenarioContext
from loadpy.errors import ConfigError, LoadpyError, ScriptError, TestAbort
from loadpy.metrics.registry import Registry
from loadpy.vu.api import VU
from loadpy.vu.core import ClientFactory, RuntimeCore
from loadpy.vu.failures import describe_error
from loadpy.vu.recording import DEFAULT_EXPECTED, ExpectedStatuses
from loadpy.vu.state import Body, Scenarios, ScenarioState, VUState
from loadpy.vu.watchdog import BlockingWatchdog

log = logging.getLogger("loadpy.vu")


def python_body(fn: Callable[..., Any]) -> Body:
    """A Body calling a function of user code (plain or async) with the public VU, and with the
    setup data as second argument when it takes one (k6 passes setup()'s data to scenario
    functions and teardown)."""
    takes_data = _positional_count(fn) >= 2
    if inspect.iscoroutinefunction(fn):  # its own coroutine is the body: one coroutine level less per iteration
        if takes_data:
            return lambda state: fn(state.user, state.setup_data)  # type: ignore[no-any-return]
        return lambda state: fn(state.user)  # type: ignore[no-any-return]

    async def run(state: VUState) -> Any:
        result = fn(state.user, state.setup_data) if takes_data else fn(state.user)
        if inspect.isawaitable(result):
            result = await result
        return result

    return run


def _positional_count(fn: Callable[..., Any]) -> int:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: call it with the VU only
        return 1
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in kinds)


def exec_names(options: Any) -> list[tuple[str, str]]:
    """(scenario, exec function) of every scenario of `options` (k6's default exec: "default")."""
    scenarios = getattr(options, "scenarios", None) or {}
    return [(name, getattr(scenario, "exec_name", None) or "default") for name, scenario in scenarios.items()]


def exec_not_found(scenario: str, exec_name: str) -> str:
    return f"executor {scenario}: function '{exec_name}' not found in exports"


def new_state(core: RuntimeCore, id_in_instance: int, id_in_test: int, scenarios: Scenarios | None = None) -> VUState:
    """A VU's state with its public VU attached (what bodies and user functions receive)."""
    state = VUState(core, id_in_instance, id_in_test, scenarios)
    VU(state)
    return state


class BaseRuntime:
    """What flows and Python scripts share: VUs, scenario states, setup/teardown plumbing."""

    def __init__(
        self,
        core: RuntimeCore,
        bodies: Mapping[str, Body],
        setup: Body | None,
        teardown: Body | None,
        handle_summary: Callable[..., Any] | None = None,
    ) -> None:
        self.core = core
        self.bodies = dict(bodies)
        self._setup = setup
        self._teardown = teardown
        self.handle_summary = handle_summary
        self._states: dict[int, ScenarioState] = {}
        self._watchdog: BlockingWatchdog | None = None
        self._scenario_lookup = self.scenario_state  # one bound method for every VU (64 B each otherwise)

    def _watch_blocking_calls(self) -> None:
        """Start the blocking-call watchdog on the running loop (once per loop; see vu/watchdog.py)."""
        loop = asyncio.get_running_loop()
        if self._watchdog is None or self._watchdog.loop is not loop:
            if self._watchdog is not None:
                self._watchdog.stop()
            self._watchdog = BlockingWatchdog(loop, _running_scenario)
            self._watchdog.start()

    # -- Runtime protocol ----------------------------------------------------------------
    def new_vu(self, id_in_instance: int, id_in_test: int) -> VUState:
        """A VU for the engine: cheap to create, its HTTP client is made on its first request."""
        return new_state(self.core, id_in_instance, id_in_test, self._scenario_lookup)

    @property
    def test_failed(self) -> bool:
        return self.core.failed

    async def setup(self) -> Any:
        """Run setup once; its data is JSON round-tripped (SetupDataError when it can't be)."""
        if self._setup is None:
            return None
        result = await self._run_phase(self._setup, "setup", None)
        self.core.store_setup_data(result)
        return self.core.setup_copy()

    async def teardown(self, setup_data: Any) -> None:
        if self._teardown is None:
            return
        await self._run_phase(self._teardown, "teardown", json.loads(json.dumps(setup_data)))

    async def _run_phase(self, body: Body, phase: str, setup_data: Any) -> Any:
        """setup/teardown run in a VU of their own (id 0), group ::setup / ::teardown, no scenario tag."""
        self._watch_blocking_calls()
        state = new_state(self.core, 0, 0)
        ctx = state.enter_phase(phase, setup_data)
        try:
            return await body(state)
        except (TestAbort, LoadpyError, asyncio.CancelledError):
            raise
        except Exception as exc:
            raise ScriptError(f"{phase} failed: {describe_error(exc)}") from exc
        finally:
            await state.close(record_bytes_in=ctx)

    # -- scenarios -----------------------------------------------------------------------
    def scenario_state(self, scenario: ScenarioContext) -> ScenarioState:
        """Called by each VU when it starts running `scenario`."""
        self._watch_blocking_calls()
        state = self._states.get(id(scenario))
        if state is None or state.scenario is not scenario:
            body = self.bodies.get(scenario.exec_name)
            if body is None:
                raise ConfigError(exec_not_found(scenario.name, scenario.exec_name))
            env = {**self.core.env, **scenario.env} if scenario.env else self.core.env
            ctx = self.core.recorder.context(scenario.tags, "")
            state = self._states[id(scenario)] = ScenarioState(scenario, ctx, env, body)
        return state


def _running_scenario(frame: FrameType) -> str | None:
    """For the watchdog: "scenario <name>" (or "setup()" / "teardown()") when `frame` runs one."""
    code = frame.f_code
    if code is _ITERATION_CODE:
        return f"scenario {frame.f_locals['scenario'].name}"
    if code is _PHASE_CODE:
        return f"{frame.f_locals['phase']}()"
    return None


_ITERATION_CODE = VUState.run_iterations.__code__
_PHASE_CODE = BaseRuntime._run_phase.__code__


def expected_from(doc_http: Any, where: Callable[[tuple[str | int, ...], str], ConfigError]) -> ExpectedStatuses | None:
    """The top-level `http: {expected_statuses: ...}` block (k6's global responseCallback)."""
    if doc_http is None:
        return DEFAULT_EXPECTED
    if not isinstance(doc_http, Mapping) or set(doc_http) - {"expected_statuses"}:
        raise where(("http",), "http takes only expected_statuses (a list, or null to disable http_req_failed)")
    if "expected_statuses" not in doc_http:
        return DEFAULT_EXPECTED
    if doc_http["expected_statuses"] is None:
        return None
    try:
        return ExpectedStatuses.parse(doc_http["expected_statuses"])
    except ValueError as exc:
        raise where(("http", "expected_statuses"), str(exc)) from None


def make_core(
    registry: Registry,
    options: Any,
    env: Mapping[str, str],
    expected: ExpectedStatuses | None,
    client_factory: ClientFactory | None,
) -> RuntimeCore:
    return RuntimeCore(registry, options, env, expected=expected, client_factory=client_factory)


__all__ = [
    "BaseRuntime",
    "Body",
    "exec_names",
    "exec_not_found",
    "expected_from",
    "new_state",
    "python_body",
]
