"""The `Runtime` / `VirtualUser` implementations: YAML flows (`FlowRuntime`) and Python
scripts (`PythonRuntime`) share one VU class and one iteration loop."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from loadpy.clock import now
from loadpy.engine.interfaces import ScenarioContext
from loadpy.errors import ConfigError, LoadpyError, ScriptError, TestAbort
from loadpy.metrics.registry import Registry
from loadpy.vu.context import VuContext
from loadpy.vu.core import ClientFactory, RuntimeCore
from loadpy.vu.custom import define_all
from loadpy.vu.recording import DEFAULT_EXPECTED, ExpectedStatuses, TagContext
from loadpy.vu.steps import StepError

log = logging.getLogger("loadpy.vu")

Body = Callable[[VuContext], Awaitable[Any]]


def describe_error(exc: BaseException) -> str:
    """One log line for an iteration error: flow errors carry their step location already;
    Python errors get the innermost frames (k6 logs the stack)."""
    if isinstance(exc, StepError | LoadpyError):
        return str(exc)
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__}: {exc}" + (f" at {where}" if where else "")


def python_body(fn: Callable[..., Any]) -> Body:
    async def run(vu: VuContext) -> Any:
        result = fn(vu)
        if inspect.isawaitable(result):
            result = await result
        return result

    return run


class _ScenarioState:
    __slots__ = ("body", "ctx", "env", "locate", "scenario")

    def __init__(self, scenario: ScenarioContext, ctx: TagContext, env: dict[str, str], body: Body) -> None:
        self.scenario = scenario
        self.ctx = ctx
        self.env = env
        self.body = body
        # a body that does not wrap its own errors says where they came from (steps.OneStepBody)
        self.locate: Callable[[Exception], Exception] | None = getattr(body, "locate", None)


class VU:
    """A VirtualUser. Cheap to create: a context object; the HTTP client is made on first request."""

    def __init__(self, runtime: BaseRuntime, id_in_instance: int, id_in_test: int) -> None:
        self.runtime = runtime
        self.id_in_instance = id_in_instance
        self.id_in_test = id_in_test
        self.context = VuContext(runtime.core, id_in_instance, id_in_test)
        self._state: _ScenarioState | None = None

    async def run_iteration(self, scenario: ScenarioContext, iteration_in_test: int) -> None:
        core = self.runtime.core
        vu = self.context
        state = self._state
        if state is None or state.scenario is not scenario:
            state = self._state = self.runtime.scenario_state(scenario)
            vu.scenario = scenario.name
            vu.env = state.env
        if vu._setup_version != core.setup_version:
            vu._load_setup_data()
        vu.iteration_in_test = iteration_in_test
        if vu.captures:
            vu.captures = {}
        vu._ctx = ctx = state.ctx
        client = vu._client
        sent0 = recv0 = 0
        if client is not None:
            if not core.no_cookies_reset and client.cookies:
                client.cookies.clear()
            sent0, recv0 = client.bytes_sent, client.bytes_received
        recorder = core.recorder
        meta = vu._meta() if recorder.metadata else None
        start = now()
        aborted: TestAbort | None = None
        try:
            await state.body(vu)
        except asyncio.CancelledError:
            # interrupted: only the bytes it moved are recorded (k6)
            self._record_bytes(ctx, sent0, recv0, meta, vu._drop_ws())
            vu.iteration += 1
            raise
        except TestAbort as exc:
            aborted = exc
        except Exception as exc:
            locate = state.locate
            log.error("%s", describe_error(exc if locate is None else locate(exc)), extra={"source": "stacktrace"})
        ws_bytes = await vu._finish_ws() if vu._ws_sessions or vu._ws_sent or vu._ws_received else (0, 0)
        elapsed = now() - start
        vu._ctx = ctx
        client = vu._client
        sent = (client.bytes_sent - sent0 if client is not None else 0) + ws_bytes[0]
        received = (client.bytes_received - recv0 if client is not None else 0) + ws_bytes[1]
        recorder.iteration_done(ctx, elapsed * 1000.0, float(sent), float(received), meta)
        vu.iteration += 1
        if core.no_vu_connection_reuse and vu._client is not None:
            vu._client.close_idle()
        if aborted is not None:
            raise aborted
        pad = core.min_iteration_duration - elapsed
        if pad > 0:
            await asyncio.sleep(pad)  # not part of iteration_duration (k6)

    def _record_bytes(
        self, ctx: TagContext, sent0: int, recv0: int, meta: dict[str, str] | None, ws_bytes: tuple[int, int]
    ) -> None:
        core = self.runtime.core
        client = self.context._client
        sent = (client.bytes_sent - sent0 if client is not None else 0) + ws_bytes[0]
        received = (client.bytes_received - recv0 if client is not None else 0) + ws_bytes[1]
        core.recorder.add(core.m_data_sent, ctx, float(sent), meta=meta)
        core.recorder.add(core.m_data_received, ctx, float(received), meta=meta)

    async def close(self) -> None:
        client = self.context._client
        if client is not None:
            await client.aclose()


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
        self._states: dict[int, _ScenarioState] = {}

    # -- Runtime protocol ----------------------------------------------------------------
    def new_vu(self, id_in_instance: int, id_in_test: int) -> VU:
        return VU(self, id_in_instance, id_in_test)

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
        core = self.core
        vu = VuContext(core, 0, 0)
        vu.setup_data = setup_data
        ctx = vu._ctx = core.recorder.context(core.run_tags, f"::{phase}")
        start_bytes = (0, 0)
        try:
            return await body(vu)
        except (TestAbort, LoadpyError, asyncio.CancelledError):
            raise
        except Exception as exc:
            raise ScriptError(f"{phase} failed: {describe_error(exc)}") from exc
        finally:
            client = vu._client
            ws_sent, ws_received = await vu._finish_ws()
            if client is not None:
                core.recorder.add(core.m_data_sent, ctx, float(client.bytes_sent - start_bytes[0] + ws_sent))
                core.recorder.add(
                    core.m_data_received, ctx, float(client.bytes_received - start_bytes[1] + ws_received)
                )
                await client.aclose()
            else:
                core.recorder.add(core.m_data_sent, ctx, float(ws_sent))
                core.recorder.add(core.m_data_received, ctx, float(ws_received))

    # -- scenarios -----------------------------------------------------------------------
    def scenario_state(self, scenario: ScenarioContext) -> _ScenarioState:
        state = self._states.get(id(scenario))
        if state is None or state.scenario is not scenario:
            body = self.bodies.get(scenario.exec_name)
            if body is None:
                raise ConfigError(f"executor {scenario.name}: function '{scenario.exec_name}' not found in exports")
            env = {**self.core.env, **scenario.env} if scenario.env else self.core.env
            ctx = self.core.recorder.context(scenario.tags, "")
            state = self._states[id(scenario)] = _ScenarioState(scenario, ctx, env, body)
        return state


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


def __getattr__(name: str) -> Any:
    # `from loadpy.vu.runtime import FlowRuntime` (flow_runtime imports this module, hence lazily)
    if name == "FlowRuntime":
        from loadpy.vu.flow_runtime import FlowRuntime

        return FlowRuntime
    if name == "PythonRuntime":
        from loadpy.vu.script import PythonRuntime

        return PythonRuntime
    raise AttributeError(name)


__all__ = ["VU", "BaseRuntime", "Body", "define_all", "describe_error", "expected_from", "python_body"]
