"""The control steps: sleep, group, call (its result checked and captured), abort, fail, log, metric, return."""

from __future__ import annotations

import inspect
import logging
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from loadpy import clock
from loadpy.base.durations import parse_duration
from loadpy.errors import ConfigError, TestAbort, did_you_mean
from loadpy.flows.steps.base import Check, Flow, PyFunction, Step, run_checks
from loadpy.metrics.metric import Metric
from loadpy.vu.custom import BoundMetric
from loadpy.vu.expressions import Expr, Value
from loadpy.vu.script import resolve_function
from loadpy.vu.state import VUState

if TYPE_CHECKING:
    from loadpy.flows.compiler import FlowCompiler, KeyPath

log = logging.getLogger("loadpy.vu")


class SleepStep(Step):
    kind = "sleep"

    def __init__(self, low: float, high: float | None) -> None:
        self.low = low
        self.high = high

    async def run(self, vu: VUState) -> None:
        await clock.sleep(self.low if self.high is None else random.uniform(self.low, self.high))


class GroupStep(Step):
    kind = "group"

    def __init__(self, name: str, flow: Flow) -> None:
        self.name = name
        self.flow = flow

    async def run(self, vu: VUState) -> None:
        async with vu.group(self.name):
            await self.flow.run(vu)


# The name a call step's checks and captures read its function's return value by.
CALL_GETTERS: dict[str, Callable[[Any, Any], Any]] = {"result": lambda s, r: r}


class CallStep(Step):
    kind = "call"

    def __init__(self, target: str, fn: PyFunction, checks: list[Check], captures: list[tuple[str, Expr]]) -> None:
        self.target = target
        self.fn = fn
        self.checks = checks
        self.captures = captures

    async def run(self, vu: VUState) -> None:
        result = self.fn(vu.user)
        if inspect.isawaitable(result):
            result = await result
        if self.checks or self.captures:
            run_checks(vu, self.checks, self.captures, result)


class AbortStep(Step):
    kind = "abort"

    def __init__(self, reason: Value, condition: Expr | None) -> None:
        self.reason = reason
        self.condition = condition

    async def run(self, vu: VUState) -> None:
        if self.condition is None or self.condition.evaluate(vu, None):
            raise TestAbort(str(self.reason.get(vu, None)) or "aborted by the script")


class FailStep(Step):
    kind = "fail"

    def __init__(self, reason: Value, condition: Expr | None) -> None:
        self.reason = reason
        self.condition = condition

    async def run(self, vu: VUState) -> None:
        if self.condition is None or self.condition.evaluate(vu, None):
            vu.mark_failed(str(self.reason.get(vu, None)))


class LogStep(Step):
    kind = "log"

    def __init__(self, text: Value) -> None:
        self.text = text

    async def run(self, vu: VUState) -> None:
        log.info("%s", self.text.get(vu, None), extra={"source": "console"})


class MetricStep(Step):
    kind = "metric"

    def __init__(self, metric: Metric, value: Value, tags: Value) -> None:
        self.metric = metric
        self.value = value
        self.tags = tags

    async def run(self, vu: VUState) -> None:
        BoundMetric(self.metric, vu).add(self.value.get(vu, None), self.tags.get(vu, None))


class ReturnStep(Step):
    """`return: value` in the setup flow: the setup data (default: the flow's captures)."""

    kind = "return"

    def __init__(self, value: Value) -> None:
        self.value = value

    async def run(self, vu: VUState) -> None:
        vu.captures["__return__"] = self.value.get(vu, None)


def compile_sleep(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("sleep",), "a sleep step")
    value = raw["sleep"]
    spath = (*path, "sleep")

    def seconds(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise c.err(spath, f'sleep takes seconds, [min, max] or a duration like "500ms", got {v!r}')
        if isinstance(v, str):
            try:
                return parse_duration(c.env_sub(v, spath))
            except ConfigError as exc:
                raise c.relocate(spath, exc) from None
        if v < 0:
            raise c.err(spath, "sleep must not be negative")
        return float(v)

    if isinstance(value, list):
        if len(value) != 2:
            raise c.err(spath, "a random sleep is [min, max]")
        low, high = seconds(value[0]), seconds(value[1])
        if high < low:
            raise c.err(spath, f"sleep [min, max]: max {high} is below min {low}")
        return SleepStep(low, high)
    return SleepStep(seconds(value), None)


def compile_group(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("group", "steps"), "a group step")
    name = c.env_sub(raw["group"], (*path, "group"))
    if not isinstance(name, str) or not name:
        raise c.err((*path, "group"), "a group needs a name")
    if "::" in name:
        raise c.err((*path, "group"), "group and check names may not contain '::'")
    return GroupStep(name, c.flow(flow, raw.get("steps"), (*path, "steps")))


def compile_call(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("call", "checks", "capture"), "a call step")
    target = raw["call"]
    if not isinstance(target, str):
        raise c.err((*path, "call"), "call takes 'package.module:function'")
    try:
        fn = resolve_function(target, c.base_dir)
    except ConfigError as exc:
        raise c.relocate((*path, "call"), exc) from None
    checks, captures = c.checks_and_captures(flow, raw, path, c.scope.extended(CALL_GETTERS), "call")
    return CallStep(target, fn, checks, captures)


def _condition(c: FlowCompiler, raw: Mapping[str, Any], path: KeyPath) -> Expr | None:
    return None if "if" not in raw else c.expr(raw["if"], (*path, "if"))


def compile_abort(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("abort", "if"), "an abort step")
    return AbortStep(c.value(str(raw["abort"] or ""), (*path, "abort")), _condition(c, raw, path))


def compile_fail(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("fail", "if"), "a fail step")
    return FailStep(c.value(str(raw["fail"] or ""), (*path, "fail")), _condition(c, raw, path))


def compile_log(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("log",), "a log step")
    return LogStep(c.value(str(raw["log"]), (*path, "log")))


def compile_metric(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("metric",), "a metric step")
    spec = raw["metric"]
    mpath = (*path, "metric")
    if not isinstance(spec, Mapping) or "name" not in spec:
        raise c.err(mpath, "metric takes {name: ..., value: ..., tags: {...}}")
    c.allowed(spec, mpath, ("name", "value", "tags"), "a metric step")
    metric = c.registry.metrics.get(str(spec["name"]))
    if metric is None:
        custom = list(c.registry.metrics)
        raise c.err(
            (*mpath, "name"),
            f"unknown metric '{spec['name']}' (declare it under metrics:)",
            did_you_mean(str(spec["name"]), custom),
        )
    tags = spec.get("tags") or {}
    if not isinstance(tags, Mapping):
        raise c.err((*mpath, "tags"), "tags must map tag names to strings")
    return MetricStep(metric, c.value(spec.get("value", 1), (*mpath, "value")), c.value(dict(tags), (*mpath, "tags")))


def compile_return(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("return",), "a return step")
    if path[:2] != ("flows", "setup"):
        raise c.err((*path, "return"), "return is only valid in the setup flow (it gives setup_data)")
    return ReturnStep(c.value(raw["return"], (*path, "return")))
