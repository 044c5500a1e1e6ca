"""The `if` step: `then:` steps when the expression is true, else the optional `else:` steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from loadpy.flows.steps.base import Flow, Step
from loadpy.vu.expressions import Expr
from loadpy.vu.state import VUState

if TYPE_CHECKING:
    from loadpy.flows.compiler import FlowCompiler, KeyPath


class IfStep(Step):
    kind = "if"

    def __init__(self, condition: Expr, then: Flow, otherwise: Flow | None) -> None:
        self.condition = condition
        self.then = then
        self.otherwise = otherwise

    async def run(self, vu: VUState) -> None:
        if self.condition.evaluate(vu, None):
            await self.then.run(vu)
        elif self.otherwise is not None:
            await self.otherwise.run(vu)


def compile_if(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("if", "then", "else"), "an if step")
    if "then" not in raw:
        raise c.err(path, "an if step needs then: (the steps run when the condition is true)")
    condition = c.expr(raw["if"], (*path, "if"))
    then = c.flow(flow, c.step_list(raw["then"], (*path, "then"), "then"), (*path, "then"))
    otherwise = None
    if "else" in raw:
        otherwise = c.flow(flow, c.step_list(raw["else"], (*path, "else"), "else"), (*path, "else"))
    return IfStep(condition, then, otherwise)
