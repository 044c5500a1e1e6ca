"""The loop steps, both bounded: `repeat` (a count of times) and `for_each` (over a finite collection).

`- repeat: 3` with `steps:`, or `- repeat: {count: 3, steps: [...]}`; the count may be a
`{{ expression }}` evaluated when the step starts. `- for_each: "expr"` with `as: name` (default
`item`) and `steps:`; the name is visible to the steps like a capture (and after the loop, as in Python).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from loadpy.flows.steps.base import Flow, Step
from loadpy.vu.expressions import Expr, Value
from loadpy.vu.state import VUState

if TYPE_CHECKING:
    from loadpy.flows.compiler import FlowCompiler, KeyPath

DEFAULT_LOOP_NAME = "item"


class RepeatStep(Step):
    kind = "repeat"

    def __init__(self, count: Value, flow: Flow) -> None:
        self.count = count
        self.flow = flow

    async def run(self, vu: VUState) -> None:
        count = self.count.get(vu, None)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"repeat count must be a non-negative integer, got {count!r}")
        for _ in range(count):
            await self.flow.run(vu)


class ForEachStep(Step):
    kind = "for_each"

    def __init__(self, items: Expr, name: str, flow: Flow) -> None:
        self.items = items
        self.name = name
        self.flow = flow

    async def run(self, vu: VUState) -> None:
        items = self.items.evaluate(vu, None)
        # a collection, not a generator or any other iterator: the loop is bounded by its size
        if not isinstance(items, Collection):
            raise TypeError(f"for_each needs a list, tuple, mapping or range, got {type(items).__name__}")
        for item in tuple(items):  # a snapshot: steps changing the collection do not change the loop
            vu.captures[self.name] = item
            await self.flow.run(vu)


def compile_repeat(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    spec: Mapping[str, Any]
    if isinstance(raw["repeat"], Mapping):
        c.allowed(raw, path, ("repeat",), "a repeat step")
        spec, spath = raw["repeat"], (*path, "repeat")
        c.allowed(spec, spath, ("count", "steps"), "a repeat step")
        if "count" not in spec:
            raise c.err(spath, "repeat needs a count")
        count_path: KeyPath = (*spath, "count")
        raw_count = spec["count"]
    else:
        c.allowed(raw, path, ("repeat", "steps"), "a repeat step")
        spec, spath = raw, path
        count_path, raw_count = (*path, "repeat"), raw["repeat"]
    if "steps" not in spec:
        raise c.err(spath, "repeat needs steps: (the steps to repeat)")
    steps = c.flow(flow, c.step_list(spec["steps"], (*spath, "steps"), "steps"), (*spath, "steps"))
    return RepeatStep(_count(c, raw_count, count_path), steps)


def _count(c: FlowCompiler, raw: Any, path: KeyPath) -> Value:
    """A constant count is checked now; a `{{ expression }}` when the step runs."""
    value = c.value(raw, path)
    if not value.constant:
        return value
    count = value.value
    if isinstance(count, str) and count.strip().isdigit():  # "${N}"
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise c.err(path, f"repeat count must be a non-negative integer or a {{{{ expression }}}}, got {count!r}")
    return Value(count, None)


def compile_for_each(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("for_each", "as", "steps"), "a for_each step")
    if "steps" not in raw:
        raise c.err(path, "for_each needs steps: (the steps run for each item)")
    name = loop_name(raw)
    if not isinstance(name, str) or not name.isidentifier():
        raise c.err((*path, "as"), f"as: must name the loop variable (an identifier), got {name!r}")
    items = c.expr(raw["for_each"], (*path, "for_each"))
    steps = c.flow(flow, c.step_list(raw["steps"], (*path, "steps"), "steps"), (*path, "steps"))
    return ForEachStep(items, name, steps)


def loop_name(raw: Mapping[str, Any]) -> Any:
    """The loop variable a for_each step mapping names (the compiler makes it visible like a capture)."""
    return raw.get("as", DEFAULT_LOOP_NAME)
