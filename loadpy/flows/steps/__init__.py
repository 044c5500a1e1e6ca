"""Flow steps: one module per step kind, each holding its step class and its compiler
(arranged like `loadpy.executors`). `COMPILERS` maps a kind to its compile function
`(compiler, flow name, raw step mapping, key path) -> Step`; its order is the order error
messages list the kinds in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from loadpy.flows.steps import batch, check, conditional, control, graphql, loops, request, ws
from loadpy.flows.steps.base import Check, Flow, OneStepBody, Step, StepError

if TYPE_CHECKING:
    from loadpy.flows.compiler import FlowCompiler, KeyPath

Compile = Callable[["FlowCompiler", str, Mapping[str, Any], "KeyPath"], Step]

COMPILERS: dict[str, Compile] = {
    "request": request.compile_request,
    "batch": batch.compile_batch,
    "graphql": graphql.compile_graphql,
    "ws": ws.compile_ws,
    "subscription": graphql.compile_subscription,
    "check": check.compile_check,
    "if": conditional.compile_if,
    "repeat": loops.compile_repeat,
    "for_each": loops.compile_for_each,
    "sleep": control.compile_sleep,
    "group": control.compile_group,
    "call": control.compile_call,
    "abort": control.compile_abort,
    "fail": control.compile_fail,
    "log": control.compile_log,
    "metric": control.compile_metric,
    "return": control.compile_return,
}
STEP_KINDS = tuple(COMPILERS)

__all__ = ["COMPILERS", "STEP_KINDS", "Check", "Flow", "OneStepBody", "Step", "StepError"]
