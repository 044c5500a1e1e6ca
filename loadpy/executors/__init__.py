"""Executors: one module per k6 executor around a shared base (`base.py`).

`parse_scenario(name, raw)` turns one `options.scenarios` entry (camelCase mapping)
into a validated, pure `ExecutorConfig` (or raises Invalid at the field that is wrong);
`config.new_runner(env)` drives it at run time.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

from loadpy.base.schema import Invalid, format_keypath
from loadpy.errors import did_you_mean
from loadpy.executors.base import ExecutorConfig, ExecutorRunner, RunEnv

# each executor's module: imported when a scenario names it (a run loads the one or two it uses)
_MODULES = {
    "shared-iterations": "shared_iterations",
    "per-vu-iterations": "per_vu_iterations",
    "constant-vus": "constant_vus",
    "ramping-vus": "ramping_vus",
    "constant-arrival-rate": "constant_arrival_rate",
    "ramping-arrival-rate": "ramping_arrival_rate",
    "externally-controlled": "externally_controlled",
}


class _Executors(Mapping[str, type[ExecutorConfig]]):
    """k6's executor names -> their config classes, each module imported on first lookup."""

    def __getitem__(self, name: str) -> type[ExecutorConfig]:
        module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
        return next(
            cls
            for cls in vars(module).values()
            if isinstance(cls, type) and issubclass(cls, ExecutorConfig) and cls.executor == name
        )

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


EXECUTORS: Mapping[str, type[ExecutorConfig]] = _Executors()

__all__ = ["EXECUTORS", "ExecutorConfig", "ExecutorRunner", "RunEnv", "parse_scenario"]


def parse_scenario(name: str, raw: Mapping[str, Any]) -> ExecutorConfig:
    """Validate one scenario; Invalid (k6's messages, joined with ", ") with a path inside the
    scenario, keyed `options.scenarios.<name>...` for callers that have no source document."""
    try:
        return _parse(name, raw)
    except Invalid as exc:
        exc.key = format_keypath(("options", "scenarios", name, *exc.path))
        raise


def _parse(name: str, raw: Mapping[str, Any]) -> ExecutorConfig:
    if not isinstance(raw, Mapping):
        raise Invalid((), "a scenario must be a map of options")
    kind = raw.get("executor")
    if kind is None or kind == "":
        raise Invalid(("executor",), "missing or empty type field")
    cls = EXECUTORS.get(str(kind))
    if cls is None:
        raise Invalid(("executor",), f"unknown executor type '{kind}'", hint=did_you_mean(str(kind), list(EXECUTORS)))
    return cls.parse(name, raw)
