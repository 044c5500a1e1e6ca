"""Custom metrics: declarations (`metrics:` in YAML, `metrics = {...}` in a Python script) and
k6's `add(value, tags)` value rules (k6-semantics §7.4)."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from loadpy.errors import ConfigError, LoadpyError, did_you_mean
from loadpy.metrics.metric import Contains, Metric, MetricType
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import tagset
from loadpy.vu.state import VUState

log = logging.getLogger("loadpy.vu")

_TYPES = [t.value for t in MetricType]


def parse_declaration(name: str, spec: Any) -> tuple[MetricType, Contains]:
    """`counter` or `{type: trend, time: true}` → (type, contains). Raises ConfigError."""
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, Mapping):
        raise ConfigError(f"metric '{name}': expected a type ({', '.join(_TYPES)}) or {{type: ..., time: true}}")
    unknown = set(spec) - {"type", "time", "contains"}
    if unknown:
        raise ConfigError(f"metric '{name}': unknown key '{sorted(unknown)[0]}' (allowed: type, time)")
    mtype = spec.get("type")
    if mtype not in _TYPES:
        raise ConfigError(
            f"metric '{name}': unknown type {mtype!r} (one of {', '.join(_TYPES)})",
            hint=did_you_mean(str(mtype), _TYPES),
        )
    contains = Contains.DEFAULT
    if spec.get("time"):
        if mtype != "trend":
            raise ConfigError(f"metric '{name}': time: true is only valid for a trend")
        contains = Contains.TIME
    elif "contains" in spec:
        try:
            contains = Contains(spec["contains"])
        except ValueError:
            raise ConfigError(f"metric '{name}': contains must be one of default, time, data") from None
    return MetricType(mtype), contains


def define_all(registry: Registry, decls: Any) -> None:
    """Define every declared metric; ConfigError keyed by the metric name on any problem."""
    if decls is None:
        return
    if not isinstance(decls, Mapping):
        raise ConfigError("metrics must be a mapping of name to type")
    for name, spec in decls.items():
        try:
            mtype, contains = parse_declaration(str(name), spec)
            registry.define(str(name), mtype, contains)
        except ConfigError as exc:
            raise ConfigError(exc.message, key=str(name), hint=exc.hint) from None
        except LoadpyError as exc:
            raise ConfigError(str(exc), key=str(name)) from None


def coerce(value: Any) -> float | None:
    """k6's accepted metric values: numbers, numeric strings, booleans, '' (0). None = rejected."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            number = float(text)
        except ValueError:
            return None
        return None if math.isnan(number) else number
    return None


def _js_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


class BoundMetric:
    """A custom metric as seen from one VU: `add(value, tags=None) -> bool` with the VU's tags."""

    __slots__ = ("_state", "metric")

    def __init__(self, metric: Metric, state: VUState) -> None:
        self.metric = metric
        self._state = state

    @property
    def name(self) -> str:
        return self.metric.name

    def add(self, value: Any, tags: Mapping[str, Any] | None = None) -> bool:
        number = coerce(value)
        if number is None:
            log.warning(
                "'%s' is an invalid value for metric '%s', a number or a boolean value is expected",
                _js_text(value),
                self.metric.name,
            )
            return False
        self._state.add(self.metric, number, tagset(tags) if tags else ())
        return True


class MetricsView(Mapping[str, BoundMetric]):
    """`vu.metrics["orders"]`: every metric of the registry, bound to the VU; `define` adds one."""

    __slots__ = ("_bound", "_state")  # one per VU

    def __init__(self, state: VUState) -> None:
        self._state = state
        self._bound: dict[str, BoundMetric] = {}

    def __getitem__(self, name: str) -> BoundMetric:
        bound = self._bound.get(name)
        if bound is None:
            metric = self._state.registry.metrics.get(name)
            if metric is None:
                raise KeyError(f"no metric named '{name}' (declare it under metrics:)")
            bound = self._bound[name] = BoundMetric(metric, self._state)
        return bound

    def __iter__(self) -> Any:
        return iter(self._state.registry.metrics)

    def __len__(self) -> int:
        return len(self._state.registry.metrics)

    def define(self, name: str, type: str, time: bool = False) -> BoundMetric:
        """Define (or fetch the identical) custom metric at run time, like k6's `new Trend(name, true)`."""
        self._state.registry.define(name, type, Contains.TIME if time else Contains.DEFAULT)
        return self[name]
