"""Flow steps: compiled once from YAML, run by every VU.

Each step kind is one small class with `run(vu)`. Everything that can be decided at load
time (env substitution, expressions, constant request bytes, tag sets) is decided there.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from loadpy.errors import TestAbort
from loadpy.metrics.metric import Metric
from loadpy.protocols.http.model import Response
from loadpy.vu.context import VuContext, encode_body, with_query
from loadpy.vu.custom import BoundMetric
from loadpy.vu.expressions import Expr, Value
from loadpy.vu.recording import RequestSite

log = logging.getLogger("loadpy.vu")

PyFunction = Callable[[VuContext], Awaitable[Any] | Any]


class StepError(Exception):
    """An error inside a flow step, with the flow/step location prefixed (logged, iteration counted)."""


class Step:
    kind = "step"
    where = ""  # "flows.default[1] (request, line 7)"

    def run(self, vu: VuContext) -> Awaitable[Any]:
        """An awaitable running the step (most steps are `async def run`)."""
        raise NotImplementedError


class Flow:
    """A list of steps; errors get the location of the innermost failing step."""

    __slots__ = ("name", "steps")

    def __init__(self, name: str, steps: list[Step]) -> None:
        self.name = name
        self.steps = steps

    async def run(self, vu: VuContext) -> None:
        for step in self.steps:
            try:
                await step.run(vu)
            except (TestAbort, StepError):
                raise
            except Exception as exc:
                raise located(step, exc) from exc

    def body(self) -> Callable[[VuContext], Awaitable[Any]]:
        """What a VU runs per iteration: `run`, or for a flow of one step that step alone."""
        return OneStepBody(self.steps[0]) if len(self.steps) == 1 else self.run


def located(step: Step, exc: Exception) -> StepError:
    """An error inside `step`, prefixed with its location."""
    return StepError(f"{step.where}: {type(exc).__name__}: {exc}")


class OneStepBody:
    """The iteration body of a one-step flow: the step's awaitable itself, one coroutine level
    less per iteration than `Flow.run`. An error escaping the await is located by the VU through
    `locate`, so it reads exactly as Flow.run would have raised it."""

    __slots__ = ("step",)

    def __init__(self, step: Step) -> None:
        self.step = step

    def __call__(self, vu: VuContext) -> Awaitable[Any]:
        try:
            return self.step.run(vu)
        except (TestAbort, StepError):
            raise
        except Exception as exc:
            raise located(self.step, exc) from exc

    def locate(self, exc: Exception) -> Exception:
        if isinstance(exc, TestAbort | StepError):
            return exc
        error = located(self.step, exc)
        error.__cause__ = exc
        return error


# -- request ------------------------------------------------------------------------
class Check:
    __slots__ = ("expr", "name", "where")

    def __init__(self, name: str, expr: Expr | Any, where: str) -> None:  # anything with evaluate(vu, r)
        self.name = name
        self.expr = expr
        self.where = where


class RequestSpec:
    """One request (a `request` step or a `batch` item), prepared once when fully constant."""

    def __init__(
        self,
        method: str,
        url: Value,
        headers: Value,
        params: Value,
        body: Value,
        json: Value,
        name: Value | None,
        site: RequestSite,
        timeout: float | None,
        redirects: int | None,
        response_type: str | None,
        checks: list[Check],
        captures: list[tuple[str, Expr]],
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.params = params
        self.body = body
        self.json = json
        self.name = name
        self.site = site
        self.timeout = timeout
        self.redirects = redirects
        self.response_type = response_type
        self.checks = checks
        self.captures = captures
        self.constant = all(v.constant for v in (url, headers, params, body, json))
        self._prepared: Any = None  # shared by all VUs: request bytes built once
        self._const_url: str | None = None

    def build(self, vu: VuContext) -> tuple[Any, str]:
        """(prepared request, url) for this iteration."""
        if self.constant and self._prepared is not None:
            return self._prepared, self._const_url  # type: ignore[return-value]
        headers = {str(k): str(v) for k, v in (self.headers.get(vu, None) or {}).items()}
        data = encode_body(self.body.get(vu, None), self.json.get(vu, None), headers)
        url = with_query(str(self.url.get(vu, None)), self.params.get(vu, None))
        prepared = vu.client.prepare(self.method, url, headers, data)
        # per-request settings travel with the request (HttpClient.batch reads them)
        prepared.timeout, prepared.redirects, prepared.response_type = self.timeout, self.redirects, self.response_type
        if self.constant:
            self._prepared, self._const_url = prepared, url
        return prepared, url

    def tag_name(self, vu: VuContext) -> str | None:
        return None if self.name is None else str(self.name.get(vu, None))

    def after(self, vu: VuContext, resp: Response) -> None:
        run_checks(vu, self.checks, self.captures, resp)


def run_checks(vu: VuContext, checks: list[Check], captures: list[tuple[str, Expr]], result: Any) -> None:
    """Checks (a raising expression is a failed check, logged once) then captures, both evaluated
    against `result` (a Response, or what a ws/subscription step saw)."""
    recorder = vu._recorder
    for check in checks:
        try:
            passed = bool(check.expr.evaluate(vu, result))
        except Exception as exc:
            passed = False
            if check not in vu._logged:
                vu._logged.add(check)
                log.warning(
                    "%s: check %r raised %s: %s (counted as failed)", check.where, check.name, type(exc).__name__, exc
                )
        recorder.record_check(vu._ctx, check.name, passed, (), vu._meta())
    for name, expr in captures:
        vu.captures[name] = expr.evaluate(vu, result)


class RequestStep(Step):
    kind = "request"

    def __init__(self, spec: RequestSpec) -> None:
        self.spec = spec

    def run(self, vu: VuContext) -> Awaitable[Any]:
        # Not a coroutine: without checks or captures it hands back the client's own `send`
        # coroutine, so the flow awaits the client directly (one coroutine level less per request).
        spec = self.spec
        if spec.checks or spec.captures:
            return self._run_checked(vu)
        return self._send(vu)

    def _send(self, vu: VuContext) -> Awaitable[Response]:
        spec = self.spec
        prepared, _ = spec.build(vu)
        # what VuContext._send does, inlined (one coroutine level less per request)
        vu._site = spec.site
        vu._name = None if spec.name is None else str(spec.name.get(vu, None))
        return (vu._client or vu.client).send(
            prepared, timeout=spec.timeout, redirects=spec.redirects, response_type=spec.response_type
        )

    async def _run_checked(self, vu: VuContext) -> None:
        resp = await self._send(vu)
        self.spec.after(vu, resp)


class BatchStep(Step):
    kind = "batch"

    def __init__(self, specs: list[RequestSpec]) -> None:
        self.specs = specs

    async def run(self, vu: VuContext) -> None:
        built = [spec.build(vu) for spec in self.specs]
        # responses are matched to their request by URL (the client's hook only gets the response)
        vu._batch = {url: (spec.site, spec.tag_name(vu)) for spec, (_, url) in zip(self.specs, built, strict=True)}
        try:
            responses = await vu.client.batch([prepared for prepared, _ in built])
        finally:
            vu._batch = None
        for spec, resp in zip(self.specs, responses, strict=True):
            if spec.checks or spec.captures:
                spec.after(vu, resp)


# -- control steps ---------------------------------------------------------------------
class SleepStep(Step):
    kind = "sleep"

    def __init__(self, low: float, high: float | None) -> None:
        self.low = low
        self.high = high

    async def run(self, vu: VuContext) -> None:
        await asyncio.sleep(self.low if self.high is None else random.uniform(self.low, self.high))


class GroupStep(Step):
    kind = "group"

    def __init__(self, name: str, flow: Flow) -> None:
        self.name = name
        self.flow = flow

    async def run(self, vu: VuContext) -> None:
        async with vu.group(self.name):
            await self.flow.run(vu)


class CallStep(Step):
    kind = "call"

    def __init__(self, target: str, fn: PyFunction) -> None:
        self.target = target
        self.fn = fn

    async def run(self, vu: VuContext) -> None:
        result = self.fn(vu)
        if inspect.isawaitable(result):
            await result


class AbortStep(Step):
    kind = "abort"

    def __init__(self, reason: Value, condition: Expr | None) -> None:
        self.reason = reason
        self.condition = condition

    async def run(self, vu: VuContext) -> None:
        if self.condition is None or self.condition.evaluate(vu, None):
            vu.abort(str(self.reason.get(vu, None)))


class FailStep(Step):
    kind = "fail"

    def __init__(self, reason: Value, condition: Expr | None) -> None:
        self.reason = reason
        self.condition = condition

    async def run(self, vu: VuContext) -> None:
        if self.condition is None or self.condition.evaluate(vu, None):
            vu.fail(str(self.reason.get(vu, None)))


class LogStep(Step):
    kind = "log"

    def __init__(self, text: Value) -> None:
        self.text = text

    async def run(self, vu: VuContext) -> None:
        vu.log(str(self.text.get(vu, None)))


class MetricStep(Step):
    kind = "metric"

    def __init__(self, metric: Metric, value: Value, tags: Value) -> None:
        self.metric = metric
        self.value = value
        self.tags = tags

    async def run(self, vu: VuContext) -> None:
        BoundMetric(self.metric, vu).add(self.value.get(vu, None), self.tags.get(vu, None))


class ReturnStep(Step):
    """`return: value` in the setup flow: the setup data (default: the flow's captures)."""

    kind = "return"

    def __init__(self, value: Value) -> None:
        self.value = value

    async def run(self, vu: VuContext) -> None:
        vu.captures["__return__"] = self.value.get(vu, None)


STEP_KINDS = (
    "request",
    "batch",
    "graphql",
    "ws",
    "subscription",
    "sleep",
    "group",
    "call",
    "abort",
    "fail",
    "log",
    "metric",
    "return",
)
