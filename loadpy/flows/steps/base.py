"""What every flow step shares: the `Step` interface, `Flow` (a list of steps), where an error
happened (`StepError`), and checks (`Check`, `run_checks`).

Each step kind lives in its own module of this package with its compiler (see `__init__.py`).
Everything that can be decided at load time (env substitution, expressions, constant request
bytes, tag sets) is decided by the compiler.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from loadpy.errors import TestAbort
from loadpy.vu.expressions import Expr
from loadpy.vu.failures import StepError
from loadpy.vu.state import VUState

log = logging.getLogger("loadpy.vu")

PyFunction = Callable[..., Awaitable[Any] | Any]  # called with the public VU (loadpy.VU)


class Step:
    kind = "step"
    where = ""  # "flows.default[1] (request, line 7)"

    def run(self, vu: VUState) -> Awaitable[Any]:
        """An awaitable running the step (most steps are `async def run`)."""
        raise NotImplementedError


class Flow:
    """A list of steps; errors get the location of the innermost failing step."""

    __slots__ = ("name", "steps")

    def __init__(self, name: str, steps: list[Step]) -> None:
        self.name = name
        self.steps = steps

    async def run(self, vu: VUState) -> None:
        for step in self.steps:
            try:
                await step.run(vu)
            except (TestAbort, StepError):
                raise
            except Exception as exc:
                raise located(step, exc) from exc

    def body(self) -> Callable[[VUState], Awaitable[Any]]:
        """What a VU runs per iteration: `run`, or for a flow of one step that step alone."""
        return OneStepBody(self.steps[0]) if len(self.steps) == 1 else self.run


def located(step: Step, exc: Exception) -> StepError:
    """An error inside `step`, prefixed with its location."""
    return StepError(f"{step.where}: {type(exc).__name__}: {exc}")


class OneStepBody:
    """The iteration body of a one-step flow: the step's awaitable itself, one coroutine level
    less per iteration than `Flow.run`. An error escaping the await is located by the VU through
    `locate`, so it reads exactly as Flow.run would have raised it; a VU that locates whatever its
    body raises calls `direct` (the step's own `run`: one call less per iteration)."""

    __slots__ = ("direct", "step")

    def __init__(self, step: Step) -> None:
        self.step = step
        self.direct: Callable[[VUState], Awaitable[Any]] = step.run

    def __call__(self, vu: VUState) -> Awaitable[Any]:
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


class Check:
    __slots__ = ("expr", "name", "where")

    def __init__(self, name: str, expr: Expr | Any, where: str) -> None:  # anything with evaluate(vu, r)
        self.name = name
        self.expr = expr
        self.where = where


def run_checks(vu: VUState, checks: list[Check], captures: list[tuple[str, Expr]], result: Any) -> None:
    """Checks (a raising expression is a failed check, logged once) then captures, both evaluated
    against `result` (a Response, or what a ws/subscription step saw)."""
    for check in checks:
        try:
            passed = bool(check.expr.evaluate(vu, result))
        except Exception as exc:
            passed = False
            if vu.first_time(check):
                log.warning(
                    "%s: check %r raised %s: %s (counted as failed)", check.where, check.name, type(exc).__name__, exc
                )
        vu.record_check(check.name, passed)
    for name, expr in captures:
        vu.captures[name] = expr.evaluate(vu, result)
