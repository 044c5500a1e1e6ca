"""Executors: one module per k6 executor around a shared base (`base.py`).

`parse_scenario(name, raw)` turns one `options.scenarios` entry (camelCase mapping)
into a validated, pure `ExecutorConfig` (or raises Invalid at the field that is wrong);
`config.new_runner(env)` drives it at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadpy.base.schema import Invalid, format_keypath
from loadpy.errors import did_you_mean
from loadpy.executors.base import ExecutorConfig, ExecutorRunner, RunEnv
from loadpy.executors.constant_arrival_rate import ConstantArrivalRateConfig
from loadpy.executors.constant_vus import ConstantVUsConfig
from loadpy.executors.externally_controlled import ExternallyControlledConfig
from loadpy.executors.per_vu_iterations import PerVUIterationsConfig
from loadpy.executors.ramping_arrival_rate import RampingArrivalRateConfig
from loadpy.executors.ramping_vus import RampingVUsConfig
from loadpy.executors.shared_iterations import SharedIterationsConfig

EXECUTORS: dict[str, type[ExecutorConfig]] = {
    cls.executor: cls
    for cls in (
        SharedIterationsConfig,
        PerVUIterationsConfig,
        ConstantVUsConfig,
        RampingVUsConfig,
        ConstantArrivalRateConfig,
        RampingArrivalRateConfig,
        ExternallyControlledConfig,
    )
}

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
