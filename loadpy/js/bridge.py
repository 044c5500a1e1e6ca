"""The JavaScript front end on loadpy's VU runtime: the only module of loadpy/js that knows loadpy/vu.

`JsRuntime` is the same `BaseRuntime` YAML flows and Python scripts use (one VU class, one iteration
loop, one recorder); its iteration bodies run an exported JavaScript function on the VU's greenlet
(loadpy/js/fiber.py). The function's k6 calls reach the public `vu` API (`vu.http.request`,
`vu.sleep`, `vu.check`, `vu.group`, `vu.metrics`, ...) through loadpy/js/host.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from loadpy.base.runtime import IterationTally, ScenarioContext
from loadpy.clock import now, wall_ns
from loadpy.errors import ConfigError, ScriptError, TestAbort
from loadpy.js.engine import JsContext, JSException, Program
from loadpy.js.exec_options import k6_test_options
from loadpy.js.fiber import drive
from loadpy.js.host import Host
from loadpy.js.script import JsScript
from loadpy.metrics.registry import Registry
from loadpy.vu.api import VU
from loadpy.vu.core import ClientFactory
from loadpy.vu.recording import DEFAULT_EXPECTED, ExpectedStatuses
from loadpy.vu.runtime import BaseRuntime, exec_names, exec_not_found, make_core
from loadpy.vu.state import Body, VUState

log = logging.getLogger("loadpy.js")


class JsError(ScriptError):
    """A JavaScript exception, rendered as k6 logs it (message and `file:///path:line` frames)."""

    logged = False  # already logged as k6 logs it (setup/teardown): not to be logged again


class JsVU(VUState):
    """A VU with its own JavaScript context (init code ran when it was created, as in k6)."""

    __slots__ = ("in_scenario", "js", "scenario_ctx", "stats")

    def __init__(self, runtime: JsRuntime, id_in_instance: int, id_in_test: int) -> None:
        super().__init__(runtime.core, id_in_instance, id_in_test, runtime.scenario_state)
        VU(self)
        self.js = runtime.new_context(id_in_test)
        self.stats = runtime.stats
        self.scenario_ctx: ScenarioContext | None = None
        self.in_scenario: dict[str, int] = {}
        self.js.host.exec_info = self._exec_info
        self.js.host.set_vu_tag = self.set_vu_tag

    def run_iterations(
        self, scenario: ScenarioContext, next_index: Callable[[], int | None], tally: IterationTally
    ) -> Coroutine[Any, Any, None]:
        """VUState's own loop (no coroutine level of its own: one frame less per iteration); the
        iteration counters of k6/execution are kept by the body (`JsRuntime._body`)."""
        self.scenario_ctx = scenario
        return super().run_iterations(scenario, next_index, tally)

    def _exec_info(self, key: str) -> dict[str, Any]:
        scenario = self.scenario_ctx
        name = scenario.name if scenario else ""
        if key == "vu":
            return {
                "idInInstance": self.id,
                "idInTest": self.id_in_test,
                "iterationInInstance": self.iteration,
                "iterationInScenario": self.in_scenario.get(name, 0),
                "tags": {
                    **(dict(scenario.tags) if scenario is not None else {}),
                    "group": "".join(f"::{g}" for g in self.js.host.group_names),
                    **self.vu_tags,
                },
            }
        if key == "scenario" and scenario is not None:
            return {
                "name": scenario.name,
                "executor": scenario.executor,
                "startTime": wall_ns(scenario.start_time) // 1_000_000,
                "progress": scenario.progress,
                "iterationInInstance": self.iteration_in_test,
                "iterationInTest": self.iteration_in_test,
            }
        return {}


class JsRuntime(BaseRuntime):
    """The Runtime for k6 scripts: `JsRuntime(script, options, registry, env)`."""

    def __init__(
        self,
        script: JsScript,
        options: Any,
        registry: Registry,
        env: Mapping[str, str],
        *,
        expected: ExpectedStatuses | None = DEFAULT_EXPECTED,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self.script = script
        self.program: Program = script.program
        self.env = dict(env)
        self.stats = {"active": 0, "completed": 0, "interrupted": 0, "initialized": 0}
        self._started = now()
        shared = script.shared
        # exec.test.options: the consolidated options (CLI flags, config file, env applied), as k6 gives them
        raw = getattr(options, "raw", None)
        if isinstance(raw, Mapping):
            shared.options_json = json.dumps(k6_test_options(raw), default=str)
        shared.instance = self._instance
        shared.throw = bool(getattr(options, "throw", False))
        functions = [n for n, kind in script.exports.items() if kind == "function"]
        bodies = {n: self._body(n) for n in functions if n not in ("setup", "teardown", "handleSummary")}
        for name, exec_name in exec_names(options):
            if exec_name not in bodies:
                raise ConfigError(
                    exec_not_found(name, exec_name), file=script.path, key=f"options.scenarios.{name}.exec"
                )
        super().__init__(
            make_core(registry, options, env, expected, client_factory),
            bodies,
            self._phase_body("setup") if "setup" in functions else None,
            self._phase_body("teardown") if "teardown" in functions else None,
            self._handle_summary if "handleSummary" in functions else None,
        )

    def new_context(self, vu_id: int) -> JsContext:
        """A context whose init code has run (k6 runs it per VU, and afresh for setup, teardown and
        handleSummary)."""
        context = JsContext(self.program, Host(self.script.shared), self.env, vu_id)
        if vu_id:
            self.stats["initialized"] += 1
        return context

    def new_vu(self, id_in_instance: int, id_in_test: int) -> JsVU:
        return JsVU(self, id_in_instance, id_in_test)

    def _instance(self) -> dict[str, Any]:
        stats = self.stats
        return {
            "vusActive": stats["active"],
            "vusInitialized": stats["initialized"],
            "iterationsCompleted": stats["completed"],
            "iterationsInterrupted": stats["interrupted"],
            "currentTestRunDuration": (now() - self._started) * 1000.0,
        }

    # -- bodies ----------------------------------------------------------------------------------
    def _body(self, name: str) -> Body:
        stats = self.stats

        async def run(state: VUState) -> None:
            assert isinstance(state, JsVU), "scenario bodies run on the runtime's own VUs"
            context = state.js
            # one coroutine level per iteration: the job is built and judged here, driven by `drive`;
            # k6/execution's counters: an iteration that ended (an exception included) is completed,
            # a hard-stopped one interrupted, one that aborted the test neither
            stats["active"] += 1
            try:
                outcome = await drive(context, self._job(context, state, name, state.iteration))
            except asyncio.CancelledError:
                stats["interrupted"] += 1
                raise
            except Exception:
                stats["completed"] += 1
                raise
            finally:
                stats["active"] -= 1
                in_scenario = state.in_scenario
                scenario = state.scenario
                in_scenario[scenario] = in_scenario.get(scenario, 0) + 1
                context.host.cancel_in_flight()  # what an interrupted or failed iteration started (asyncRequest)
            if context.host.abort_reason is None:
                stats["completed"] += 1
            self._finish(context, outcome)

        return run

    def _phase_body(self, name: str) -> Body:
        async def run(state: VUState) -> Any:
            context = self.new_context(0)
            try:
                result = await self._call(context, state, name, 0)
            except JsError as exc:
                log.error("%s", exc, extra={"hint": "script exception"})  # k6 logs it; the run ends with 107
                exc.logged = True
                raise
            return None if result is None else json.loads(result)

        return run

    async def _call(self, context: JsContext, state: VUState, name: str, iteration: int) -> Any:
        try:
            outcome = await drive(context, self._job(context, state, name, iteration))
        finally:
            context.host.cancel_in_flight()
        return self._finish(context, outcome)

    def _job(self, context: JsContext, state: VUState, name: str, iteration: int) -> Callable[[], Any]:
        """Ready the context for one call of `name` by `state`; the call itself, to run on its greenlet."""
        host = context.host
        if host.state is not state:
            host.vu = state.user
            host.state = state
            host.client = state.http_client
        host.new_iteration()
        host.interrupted = False
        host.abort_reason = None
        if state.env is not context.host_env:
            context.set_env(state.env)
            context.host_env = state.env
        data = state.setup_data
        if data is not context.data_seen:
            context.data_seen = data
            context.set_data(None if data is None else json.dumps(data))
        with_data = name != "setup"

        def call() -> Any:
            try:
                return context.call(name, iteration, with_data)
            except JSException as exc:
                return exc

        return call

    def _finish(self, context: JsContext, outcome: Any) -> Any:
        """The call's result (JSON text or None); a JavaScript exception or a test abort raised."""
        host = context.host
        program = self.program
        if host.abort_reason is not None:
            where = program.innermost_frame(outcome) if isinstance(outcome, JSException) else ""
            raise TestAbort(f"{host.abort_reason} at {where}" if where else host.abort_reason)
        if isinstance(outcome, JSException):
            prefix = "Uncaught (in promise) " if context.async_call else ""
            raise JsError(prefix + program.render_error(outcome))
        return outcome

    def _handle_summary(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """handleSummary(data) → {path|stdout|stderr: content}, as finish.run_handle_summary writes it."""
        try:
            context = self.new_context(0)
            result = context.handle_summary(json.dumps(data))
        except JSException as exc:
            raise JsError(self.program.render_error(exc)) from None
        if result is None:
            return None
        files = json.loads(result)
        return {
            k: (v["binary"].encode("latin-1") if isinstance(v, dict) and "binary" in v else v) for k, v in files.items()
        }


__all__ = ["JsError", "JsRuntime"]
