"""YAML flows → compiled steps. Every error names the file, line and key (via SourceDoc.error)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from loadpy.config.durations import parse_duration
from loadpy.errors import ConfigError, did_you_mean
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import tagset
from loadpy.vu.expressions import Expr, Scope, Value, compile_value, substitute_env_deep
from loadpy.vu.recording import ExpectedStatuses, Recorder, RequestSite
from loadpy.vu.steps import (
    STEP_KINDS,
    AbortStep,
    BatchStep,
    CallStep,
    Check,
    FailStep,
    Flow,
    GroupStep,
    LogStep,
    MetricStep,
    PyFunction,
    RequestSpec,
    RequestStep,
    ReturnStep,
    SleepStep,
    Step,
)

KeyPath = tuple[str | int, ...]

# Names available in every expression (state getters); response names only in checks/captures.
STATE_GETTERS: dict[str, Callable[[Any, Any], Any]] = {
    "vu": lambda s, r: s.id,
    "iter": lambda s, r: s.iteration,
    "scenario": lambda s, r: s.scenario,
    "env": lambda s, r: s.env,
    "setup_data": lambda s, r: s.setup_data,
}
RESPONSE_GETTERS: dict[str, Callable[[Any, Any], Any]] = {
    "status": lambda s, r: r.status,
    "body": lambda s, r: r.text,
    "json": lambda s, r: r.json(),
    "headers": lambda s, r: r.headers,
    "duration": lambda s, r: r.timings.sending + r.timings.waiting + r.timings.receiving,
    "error": lambda s, r: r.error,
    "error_code": lambda s, r: r.error_code,
    "response": lambda s, r: r,
}
REQUEST_KEYS = (
    "method",
    "url",
    "headers",
    "params",
    "body",
    "json",
    "name",
    "tags",
    "timeout",
    "capture",
    "checks",
    "expected_statuses",
    "redirects",
    "response_type",
)
RESPONSE_TYPES = ("text", "binary", "none")


class CaptureMissing(LookupError):
    pass


def capture_getter(name: str) -> Callable[[Any, Any], Any]:
    def get(s: Any, r: Any) -> Any:
        try:
            return s.captures[name]
        except KeyError:
            raise CaptureMissing(f"'{name}' has not been captured yet in this iteration") from None

    return get


def resolve_function(target: str, base_dir: Path | None = None) -> PyFunction:
    """Import `package.module:function`; the scenario file's folder is importable. Raises ConfigError."""
    module_name, _, fn_name = target.partition(":")
    if not module_name or not fn_name:
        raise ConfigError(f"expected 'package.module:function', got {target!r}")
    if base_dir is not None and str(base_dir) not in sys.path:
        sys.path.insert(0, str(base_dir))  # so modules next to the scenario file import
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import module '{module_name}': {exc}") from None
    fn = getattr(module, fn_name, None)
    if not callable(fn):
        public = [n for n in dir(module) if not n.startswith("_")]
        raise ConfigError(f"module '{module_name}' has no function '{fn_name}'", hint=did_you_mean(fn_name, public))
    return fn  # type: ignore[no-any-return]


def capture_names(flows: Mapping[str, Any]) -> list[str]:
    """Every capture name used anywhere (captures are visible to later steps of the iteration)."""
    names: list[str] = []

    def walk(steps: Any) -> Iterator[Mapping[str, Any]]:
        if not isinstance(steps, list):
            return
        for step in steps:
            if not isinstance(step, Mapping):
                continue
            yield step
            if isinstance(step.get("request"), Mapping):
                yield step["request"]
            for item in step.get("batch") or [] if isinstance(step.get("batch"), list) else []:
                if isinstance(item, Mapping):
                    yield item.get("request", item) if isinstance(item.get("request"), Mapping) else item
            yield from walk(step.get("steps"))

    for steps in flows.values():
        for mapping in walk(steps):
            cap = mapping.get("capture")
            if isinstance(cap, Mapping):
                names.extend(str(k) for k in cap if str(k) not in names)
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
        from loadpy.vu.ws_steps import SUBSCRIPTION_GETTERS, WS_GETTERS

        for name in capture_names(flows):
            if (
                name in getters
                or name in constants
                or name in RESPONSE_GETTERS
                or name in WS_GETTERS
                or name in SUBSCRIPTION_GETTERS
            ):
                raise self._capture_clash(flows, name)
            getters[name] = capture_getter(name)
        self.scope = Scope(getters, constants)
        self.response_scope = self.scope.extended(RESPONSE_GETTERS)

    def _capture_clash(self, flows: Mapping[str, Any], name: str) -> ConfigError:
        return self.doc.error(("flows",), f"capture name '{name}' hides a built-in name or a data array; rename it")

    # -- helpers ------------------------------------------------------------------------
    def err(self, path: KeyPath, message: str, hint: str | None = None) -> ConfigError:
        return self.doc.error(path, message, hint)

    def _relocate(self, path: KeyPath, exc: ConfigError) -> ConfigError:
        return self.err(path, exc.message, exc.hint)

    def env_sub(self, value: Any, path: KeyPath) -> Any:
        try:
            return substitute_env_deep(value, self.env)
        except ConfigError as exc:
            raise self._relocate(path, exc) from None

    def value(self, raw: Any, path: KeyPath, scope: Scope | None = None) -> Value:
        raw = self.env_sub(raw, path)
        try:
            return compile_value(scope or self.scope, raw)
        except ConfigError as exc:
            raise self._relocate(path, exc) from None

    def expr(self, source: Any, path: KeyPath, scope: Scope | None = None) -> Expr:
        if isinstance(source, bool | int | float):
            source = repr(source)
        if not isinstance(source, str):
            raise self.err(path, f"expected a Python expression (a string), got {source!r}")
        source = self.env_sub(source, path)
        try:
            return (scope or self.scope).compile(source)
        except ConfigError as exc:
            raise self._relocate(path, exc) from None

    def where(self, flow: str, path: KeyPath, kind: str) -> str:
        """`flows.default[1] (request, line 7)`: where a runtime error happened, as the file says it."""
        from loadpy.config.loader import format_keypath

        line = self.doc.line_of(path)
        return f"{format_keypath(path)} ({kind}" + (f", line {line})" if line else ")")

    # -- flows ------------------------------------------------------------------------
    def flows(self) -> dict[str, Flow]:
        flows = self.doc.data.get("flows") or {}
        return {str(name): self.flow(str(name), steps, ("flows", str(name))) for name, steps in flows.items()}

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
        step = getattr(self, f"_{kind}")(flow, raw, path)
        step.where = self.where(flow, path, kind)
        return step

    def _allowed(self, raw: Mapping[str, Any], path: KeyPath, allowed: tuple[str, ...], what: str) -> None:
        for key in raw:
            if key not in allowed:
                raise self.err(
                    (*path, str(key)),
                    f"unknown key '{key}' in {what} (allowed: {', '.join(allowed)})",
                    did_you_mean(str(key), allowed),
                )

    # -- request ------------------------------------------------------------------------
    def _request(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("request", "checks", "capture"), "a request step")
        req = raw["request"]
        if isinstance(req, str):
            req = {"url": req}
        if not isinstance(req, Mapping):
            raise self.err((*path, "request"), "request must be a mapping with at least url")
        extra = {k: raw[k] for k in ("checks", "capture") if k in raw}
        return RequestStep(self.request_spec(flow, {**req, **extra}, (*path, "request"), path, tuple(extra)))

    def request_spec(
        self,
        flow: str,
        req: Mapping[str, Any],
        path: KeyPath,
        outer: KeyPath | None = None,
        outer_keys: tuple[str, ...] = (),
    ) -> RequestSpec:
        """`outer_keys` (checks/capture) were written beside `request:`, at `outer`."""
        outer = outer or path
        self._allowed(req, path, REQUEST_KEYS, "a request")
        if "url" not in req:
            raise self.err(path, "a request needs a url")
        method = req.get("method", "GET")
        if not isinstance(method, str) or not method.isalpha():
            raise self.err((*path, "method"), f"invalid HTTP method {method!r}")
        if "body" in req and "json" in req:
            raise self.err((*path, "json"), "a request takes body or json, not both")
        tags = req.get("tags") or {}
        if not isinstance(tags, Mapping) or any(isinstance(v, dict | list) for v in tags.values()):
            raise self.err((*path, "tags"), "tags must map tag names to strings")
        tags = self.env_sub(dict(tags), (*path, "tags"))
        expected: ExpectedStatuses | bool | None = True
        if "expected_statuses" in req:
            if req["expected_statuses"] is None:
                expected = None
            else:
                try:
                    expected = ExpectedStatuses.parse(req["expected_statuses"])
                except ValueError as exc:
                    raise self.err((*path, "expected_statuses"), str(exc)) from None
        site: RequestSite = self.recorder.site(tagset(tags), expected)
        timeout = None
        if req.get("timeout") is not None:
            try:
                timeout = parse_duration(req["timeout"])
            except ConfigError as exc:
                raise self._relocate((*path, "timeout"), exc) from None
        redirects = req.get("redirects")
        if redirects is not None and (not isinstance(redirects, int) or isinstance(redirects, bool) or redirects < 0):
            raise self.err((*path, "redirects"), "redirects must be a non-negative integer")
        response_type = req.get("response_type")
        if response_type is not None and response_type not in RESPONSE_TYPES:
            raise self.err(
                (*path, "response_type"),
                f"response_type must be one of {', '.join(RESPONSE_TYPES)}",
                did_you_mean(str(response_type), RESPONSE_TYPES),
            )
        for key in ("headers", "params"):
            if req.get(key) is not None and not isinstance(req[key], Mapping):
                raise self.err((*path, key), f"{key} must be a mapping")
        name = self.value(req["name"], (*path, "name")) if req.get("name") is not None else None
        checks_raw = req.get("checks") or {}
        checks_path = (*outer, "checks") if "checks" in outer_keys else (*path, "checks")
        if not isinstance(checks_raw, Mapping):
            raise self.err(checks_path, "checks must map a check name to an expression")
        checks = []
        for cname, source in checks_raw.items():
            cname = str(cname)
            if "::" in cname:
                raise self.err((*checks_path, cname), "group and check names may not contain '::'")
            expr = self.expr(source, (*checks_path, cname), self.response_scope)
            checks.append(Check(cname, expr, self.where(flow, outer, "request")))
        cap_raw = req.get("capture") or {}
        cap_path = (*outer, "capture") if "capture" in outer_keys else (*path, "capture")
        if not isinstance(cap_raw, Mapping):
            raise self.err(cap_path, "capture must map a name to an expression")
        captures = [(str(k), self.expr(v, (*cap_path, str(k)), self.response_scope)) for k, v in cap_raw.items()]
        return RequestSpec(
            method=method.upper(),
            url=self.value(req["url"], (*path, "url")),
            headers=self.value(req.get("headers"), (*path, "headers")),
            params=self.value(req.get("params"), (*path, "params")),
            body=self.value(req.get("body"), (*path, "body")),
            json=self.value(req.get("json"), (*path, "json")),
            name=name,
            site=site,
            timeout=timeout,
            redirects=redirects,
            response_type=response_type,
            checks=checks,
            captures=captures,
        )

    def _batch(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("batch",), "a batch step")
        items = raw["batch"]
        if not isinstance(items, list) or not items:
            raise self.err((*path, "batch"), "batch must be a non-empty list of requests")
        specs = []
        for i, item in enumerate(items):
            ipath: KeyPath = (*path, "batch", i)
            if isinstance(item, str):
                item = {"url": item}
            elif isinstance(item, Mapping) and isinstance(item.get("request"), Mapping):
                extra = {k: item[k] for k in ("checks", "capture") if k in item}
                specs.append(
                    self.request_spec(flow, {**item["request"], **extra}, (*ipath, "request"), ipath, tuple(extra))
                )
                continue
            if not isinstance(item, Mapping):
                raise self.err(ipath, "a batch item is a URL or a request mapping")
            specs.append(self.request_spec(flow, item, ipath))
        return BatchStep(specs)

    # -- graphql, ws, subscription (loadpy.vu.compiler_ws) ----------------------------------
    def _graphql(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        from loadpy.vu.compiler_ws import compile_graphql

        return compile_graphql(self, flow, raw, path)

    def _ws(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        from loadpy.vu.compiler_ws import compile_ws

        return compile_ws(self, flow, raw, path)

    def _subscription(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        from loadpy.vu.compiler_ws import compile_subscription

        return compile_subscription(self, flow, raw, path)

    # -- the other kinds ----------------------------------------------------------------------
    def _sleep(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("sleep",), "a sleep step")
        value = raw["sleep"]
        spath = (*path, "sleep")

        def seconds(v: Any) -> float:
            if isinstance(v, bool) or not isinstance(v, int | float | str):
                raise self.err(spath, f'sleep takes seconds, [min, max] or a duration like "500ms", got {v!r}')
            if isinstance(v, str):
                try:
                    return parse_duration(v)
                except ConfigError as exc:
                    raise self._relocate(spath, exc) from None
            if v < 0:
                raise self.err(spath, "sleep must not be negative")
            return float(v)

        if isinstance(value, list):
            if len(value) != 2:
                raise self.err(spath, "a random sleep is [min, max]")
            low, high = seconds(value[0]), seconds(value[1])
            if high < low:
                raise self.err(spath, f"sleep [min, max]: max {high} is below min {low}")
            return SleepStep(low, high)
        return SleepStep(seconds(value), None)

    def _group(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("group", "steps"), "a group step")
        name = raw["group"]
        if not isinstance(name, str) or not name:
            raise self.err((*path, "group"), "a group needs a name")
        if "::" in name:
            raise self.err((*path, "group"), "group and check names may not contain '::'")
        return GroupStep(name, self.flow(flow, raw.get("steps"), (*path, "steps")))

    def _call(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("call",), "a call step")
        target = raw["call"]
        if not isinstance(target, str):
            raise self.err((*path, "call"), "call takes 'package.module:function'")
        try:
            fn = resolve_function(target, self.base_dir)
        except ConfigError as exc:
            raise self._relocate((*path, "call"), exc) from None
        return CallStep(target, fn)

    def _condition(self, raw: Mapping[str, Any], path: KeyPath) -> Expr | None:
        return None if "if" not in raw else self.expr(raw["if"], (*path, "if"))

    def _abort(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("abort", "if"), "an abort step")
        return AbortStep(self.value(str(raw["abort"] or ""), (*path, "abort")), self._condition(raw, path))

    def _fail(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("fail", "if"), "a fail step")
        return FailStep(self.value(str(raw["fail"] or ""), (*path, "fail")), self._condition(raw, path))

    def _log(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("log",), "a log step")
        return LogStep(self.value(str(raw["log"]), (*path, "log")))

    def _metric(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("metric",), "a metric step")
        spec = raw["metric"]
        mpath = (*path, "metric")
        if not isinstance(spec, Mapping) or "name" not in spec:
            raise self.err(mpath, "metric takes {name: ..., value: ..., tags: {...}}")
        self._allowed(spec, mpath, ("name", "value", "tags"), "a metric step")
        metric = self.registry.metrics.get(str(spec["name"]))
        if metric is None:
            custom = list(self.registry.metrics)
            raise self.err(
                (*mpath, "name"),
                f"unknown metric '{spec['name']}' (declare it under metrics:)",
                did_you_mean(str(spec["name"]), custom),
            )
        tags = spec.get("tags") or {}
        if not isinstance(tags, Mapping):
            raise self.err((*mpath, "tags"), "tags must map tag names to strings")
        return MetricStep(
            metric, self.value(spec.get("value", 1), (*mpath, "value")), self.value(dict(tags), (*mpath, "tags"))
        )

    def _return(self, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
        self._allowed(raw, path, ("return",), "a return step")
        if path[:2] != ("flows", "setup"):
            raise self.err((*path, "return"), "return is only valid in the setup flow (it gives setup_data)")
        return ReturnStep(self.value(raw["return"], (*path, "return")))
