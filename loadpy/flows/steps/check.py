"""The `check` step: checks on captured values and state, recorded exactly like a response's checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from loadpy.flows.steps.base import Check, Step, run_checks
from loadpy.vu.state import VUState

if TYPE_CHECKING:
    from loadpy.flows.compiler import FlowCompiler, KeyPath


class CheckStep(Step):
    kind = "check"

    def __init__(self, checks: list[Check]) -> None:
        self.checks = checks

    async def run(self, vu: VUState) -> None:
        run_checks(vu, self.checks, [], None)


def compile_check(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("check",), "a check step")
    spec = raw["check"]
    if not isinstance(spec, Mapping) or not spec:
        raise c.err((*path, "check"), "check must map at least one check name to an expression")
    return CheckStep(c.checks(spec, (*path, "check"), c.scope, c.where(flow, path, "check")))
