"""Executors: one module per k6 executor around a shared base (`base.py`).

`parse_scenario(name, raw)` turns one `options.scenarios` entry (camelCase mapping)
into a validated, pure `ExecutorConfig`; `config.new_runner(env)` drives it at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadpy.errors import ConfigError, did_you_mean
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
    """Validate one scenario; ConfigError (k6's messages, joined with ", ") when invalid."""
    prefix = f"options.scenarios.{name}"
    if not isinstance(raw, Mapping):
        raise ConfigError("a scenario must be a map of options", key=prefix)
    kind = raw.get("executor")
    if kind is None or kind == "":
        raise ConfigError("missing or empty type field", key=f"{prefix}.executor")
    cls = EXECUTORS.get(str(kind))
    if cls is None:
        raise ConfigError(
            f"unknown executor type '{kind}'", key=f"{prefix}.executor", hint=did_you_mean(str(kind), list(EXECUTORS))
        )
    return cls.parse(name, raw)
