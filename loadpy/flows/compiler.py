"""YAML flows → compiled steps. Every error names the file, line and key (via SourceDoc.error).

`FlowCompiler` holds what every step compiler needs (env substitution, expressions, scopes, key
checks, error locations) and dispatches each step to its kind's compiler (`loadpy.flows.steps`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from loadpy.base.durations import parse_duration
from loadpy.config.loader import format_keypath
from loadpy.errors import ConfigError, did_you_mean
from loadpy.flows.steps import COMPILERS, STEP_KINDS
from loadpy.flows.steps.base import Check, Flow, Step
from loadpy.flows.steps.control import CALL_GETTERS
from loadpy.flows.steps.graphql import SUBSCRIPTION_GETTERS
from loadpy.flows.steps.loops import loop_name
from loadpy.flows.steps.request import RESPONSE_GETTERS
from loadpy.flows.steps.ws import WS_GETTERS
from loadpy.metrics.registry import Registry
from loadpy.vu.data import row_picker
from loadpy.vu.expressions import Expr, Scope, Value, compile_value, substitute_env_deep
from loadpy.vu.recording import ExpectedStatuses, Recorder

KeyPath = tuple[str | int, ...]

# Names available in every expression (state getters); response names only in checks/captures.
STATE_GETTERS: dict[str, Callable[[Any, Any], Any]] = {
    "vu": lambda s, r: s.id,
    "iter": lambda s, r: s.iteration,
    "iter_in_test": lambda s, r: s.iteration_in_test,  # k6's exec.scenario.iterationInTest
    "next_row": lambda s, r: row_picker(s.iteration_in_test),
    "scenario": lambda s, r: s.scenario,
    "env": lambda s, r: s.env,
    "setup_data": lambda s, r: s.setup_data,
}
# Keys of a step holding nested steps (group, if, repeat, for_each).
NESTED_STEP_LISTS = ("steps", "then", "else")


class CaptureMissing(LookupError):
    pass


def capture_getter(name: str) -> Callable[[Any, Any], Any]:
    def get(s: Any, r: Any) -> Any:
        try:
            return s.captures[name]
        except KeyError:
            raise CaptureMissing(f"'{name}' has not been captured yet in this iteration") from None

    return get


def capture_names(flows: Mapping[str, Any]) -> dict[str, KeyPath]:
    """Every capture name (and for_each loop name) used anywhere, with the key path of its first use:
    captures are visible to later steps of the iteration."""
    names: dict[str, KeyPath] = {}

    def walk(steps: Any, path: KeyPath) -> Iterator[tuple[Mapping[str, Any], KeyPath]]:
        if not isinstance(steps, list):
            return
        for i, step in enumerate(steps):
            if not isinstance(step, Mapping):
                continue
            spath: KeyPath = (*path, i)
            yield step, spath
            if isinstance(step.get("request"), Mapping):
                yield step["request"], (*spath, "request")
            batch = step.get("batch")
            for j, item in enumerate(batch if isinstance(batch, list) else []):
                if isinstance(item, Mapping):
                    yield item, (*spath, "batch", j)  # a request mapping, or {request: ..., capture: ...}
                    if isinstance(item.get("request"), Mapping):
                        yield item["request"], (*spath, "batch", j, "request")
            for key in NESTED_STEP_LISTS:
                yield from walk(step.get(key), (*spath, key))
            if isinstance(step.get("repeat"), Mapping):
                yield from walk(step["repeat"].get("steps"), (*spath, "repeat", "steps"))

    for flow, steps in flows.items():
        for mapping, path in walk(steps, ("flows", str(flow))):
            cap = mapping.get("capture")
            if isinstance(cap, Mapping):
                for key in cap:
                    names.setdefault(str(key), (*path, "capture", str(key)))
            if "for_each" in mapping and isinstance(loop_name(mapping), str):
                names.setdefault(loop_name(mapping), (*path, "as" if "as" in mapping else "for_each"))
    return names


class FlowCompiler:
    def __init__(
        self,
        doc: Any,
        env: Mapping[str, str],
        registry: Registry,
        recorder: Recorder,
        constants: Mapping[str, Any],
        base_dir: Path,
    ) -> None:
        self.doc = doc
        self.env = env
        self.registry = registry
        self.recorder = recorder
        self.base_dir = base_dir
        flows = doc.data.get("flows") or {}
        getters = dict(STATE_GETTERS)
        for name, where in capture_names(flows).items():
            if (
                name in getters
                or name in constants
                or name in RESPONSE_GETTERS
                or name in WS_GETTERS
                or name in SUBSCRIPTION_GETTERS
                or name in CALL_GETTERS
            ):
                raise self._capture_clash(where, name)
            getters[name] = capture_getter(name)
        self.scope = Scope(getters, constants, env)
        self.response_scope = self.scope.extended(RESPONSE_GETTERS)

    def _capture_clash(self, path: KeyPath, name: str) -> ConfigError:
        kind = "loop" if path[-1] in ("as", "for_each") else "capture"
        return self.doc.error(path, f"{kind} name '{name}' hides a built-in name or a data array; rename it")

    # -- helpers ------------------------------------------------------------------------
    def err(self, path: KeyPath, message: str, hint: str | None = None) -> ConfigError:
        return self.doc.error(path, message, hint)

    def relocate(self, path: KeyPath, exc: ConfigError) -> ConfigError:
        return self.err(path, exc.message, exc.hint)

    def env_sub(self, value: Any, path: KeyPath) -> Any:
        try:
            return substitute_env_deep(value, self.env)
        except ConfigError as exc:
            raise self.relocate(path, exc) from None

    def value(self, raw: Any, path: KeyPath, scope: Scope | None = None) -> Value:
        try:
            return compile_value(scope or self.scope, raw)
        except ConfigError as exc:
            raise self.relocate(path, exc) from None

    def expr(self, source: Any, path: KeyPath, scope: Scope | None = None) -> Expr:
        if isinstance(source, bool | int | float):
            source = repr(source)
        if not isinstance(source, str):
            raise self.err(path, f"expected a Python expression (a string), got {source!r}")
        try:
            return (scope or self.scope).compile(source)
        except ConfigError as exc:
            raise self.relocate(path, exc) from None

    def where(self, flow: str, path: KeyPath, kind: str) -> str:
        """`flows.default[1] (request, line 7)`: where a runtime error happened, as the file says it."""
        line = self.doc.line_of(path)
        return f"{format_keypath(path)} ({kind}" + (f", line {line})" if line else ")")

    # -- flows ------------------------------------------------------------------------
    def flows(self) -> dict[str, Flow]:
        flows = self.doc.data.get("flows") or {}
        return {str(name): self.flow(str(name), steps, ("flows", str(name))) for name, steps in flows.items()}

    def step_list(self, steps: Any, path: KeyPath, key: str) -> list[Any]:
        """The nested steps under `key` of a step (if/repeat/for_each): a non-empty list."""
        if not isinstance(steps, list) or not steps:
            raise self.err(path, f"{key}: must be a non-empty list of steps")
        return steps

    def flow(self, name: str, steps: Any, path: KeyPath) -> Flow:
        if steps is None:
            steps = []
        if not isinstance(steps, list):
            raise self.err(path, f"flow '{name}' must be a list of steps")
        return Flow(name, [self.step(name, raw, (*path, i)) for i, raw in enumerate(steps)])

    def step(self, flow: str, raw: Any, path: KeyPath) -> Step:
        if not isinstance(raw, Mapping) or not raw:
            raise self.err(path, f"a step must be a mapping with one of: {', '.join(STEP_KINDS)}")
        kinds = [k for k in raw if k in STEP_KINDS]
        if len(kinds) > 1 and "if" in kinds and "then" not in raw:
            kinds.remove("if")  # `if:` beside abort/fail is their condition, not an if step
        if not kinds:
            first = str(next(iter(raw)))
            raise self.err(
                (*path, first),
                f"unknown step kind '{first}' (one of {', '.join(STEP_KINDS)})",
                did_you_mean(first, STEP_KINDS),
            )
        if len(kinds) > 1:
            raise self.err(path, f"a step has exactly one kind, this one has {' and '.join(kinds)}")
        kind = kinds[0]
        step = COMPILERS[kind](self, flow, raw, path)
        step.where = self.where(flow, path, kind)
        return step

    def allowed(self, raw: Mapping[str, Any], path: KeyPath, allowed: tuple[str, ...], what: str) -> None:
        for key in raw:
            if key not in allowed:
                raise self.err(
                    (*path, str(key)),
                    f"unknown key '{key}' in {what} (allowed: {', '.join(allowed)})",
                    did_you_mean(str(key), allowed),
                )

    def checks_and_captures(
        self, flow: str, raw: Mapping[str, Any], path: KeyPath, scope: Scope, kind: str
    ) -> tuple[list[Check], list[tuple[str, Expr]]]:
        """`checks:` and `capture:` written beside the step kind."""
        where = self.where(flow, path, kind)
        return (
            self.checks(raw.get("checks"), (*path, "checks"), scope, where),
            self.captures(raw.get("capture"), (*path, "capture"), scope),
        )

    def checks(self, raw: Any, path: KeyPath, scope: Scope, where: str) -> list[Check]:
        """A `checks:` mapping (name -> expression) at `path`; `where` locates their runtime errors."""
        raw = raw or {}
        if not isinstance(raw, Mapping):
            raise self.err(path, "checks must map a check name to an expression")
        checks = []
        for written, source in raw.items():
            name = self.env_sub(str(written), (*path, str(written)))  # ${NAME} reaches check names too
            if "::" in name:
                raise self.err((*path, str(written)), "group and check names may not contain '::'")
            checks.append(Check(name, self.expr(source, (*path, str(written)), scope), where))
        return checks

    def captures(self, raw: Any, path: KeyPath, scope: Scope) -> list[tuple[str, Expr]]:
        """A `capture:` mapping (name -> expression) at `path`."""
        raw = raw or {}
        if not isinstance(raw, Mapping):
            raise self.err(path, "capture must map a name to an expression")
        return [(str(k), self.expr(v, (*path, str(k)), scope)) for k, v in raw.items()]

    # -- reading the mapping of a step with a url (ws, graphql, subscription) ---------------
    def step_spec(
        self, raw: Mapping[str, Any], path: KeyPath, kind: str, keys: tuple[str, ...]
    ) -> tuple[Mapping[str, Any], KeyPath]:
        self.allowed(raw, path, (kind, "checks", "capture"), f"a {kind} step")
        spec = raw[kind]
        spath: KeyPath = (*path, kind)
        if not isinstance(spec, Mapping):
            raise self.err(spath, f"{kind} must be a mapping with at least url")
        self.allowed(spec, spath, keys, f"a {kind} step")
        if "url" not in spec:
            raise self.err(spath, f"a {kind} step needs a url")
        return spec, spath

    def expected_statuses(self, spec: Mapping[str, Any], spath: KeyPath) -> ExpectedStatuses | bool | None:
        """`expected_statuses:` of one request: True (the run's rule) when absent, None (no
        http_req_failed) when null, else the parsed list."""
        if "expected_statuses" not in spec:
            return True
        if spec["expected_statuses"] is None:
            return None
        try:
            return ExpectedStatuses.parse(spec["expected_statuses"])
        except ValueError as exc:
            raise self.err((*spath, "expected_statuses"), str(exc)) from None

    def timeout(self, spec: Mapping[str, Any], spath: KeyPath, default: float | None) -> float | None:
        """`timeout:` (a duration) in seconds; `default` when absent."""
        if spec.get("timeout") is None:
            return default
        try:
            return parse_duration(self.env_sub(spec["timeout"], (*spath, "timeout")))
        except ConfigError as exc:
            raise self.relocate((*spath, "timeout"), exc) from None

    def count(self, spec: Mapping[str, Any], spath: KeyPath, key: str, default: int) -> int:
        value = spec.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.err((*spath, key), f"{key} must be a non-negative integer, got {value!r}")
        return value

    def tags(self, spec: Mapping[str, Any], spath: KeyPath) -> dict[str, str]:
        tags = spec.get("tags") or {}
        if not isinstance(tags, Mapping) or any(isinstance(v, dict | list) for v in tags.values()):
            raise self.err((*spath, "tags"), "tags must map tag names to strings")
        return {str(k): str(v) for k, v in self.env_sub(dict(tags), (*spath, "tags")).items()}

    def mapping_value(self, spec: Mapping[str, Any], spath: KeyPath, key: str) -> Value:
        if spec.get(key) is not None and not isinstance(spec[key], Mapping):
            raise self.err((*spath, key), f"{key} must be a mapping")
        return self.value(spec.get(key), (*spath, key))
