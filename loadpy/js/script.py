"""Loading a k6 script: bundle it, run its init code once to read `options` and its exports.

The init context made here also runs setup, teardown and handleSummary (k6 gives them a VU of
their own: this is it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loadpy.errors import ConfigError
from loadpy.js.engine import JsContext, Program, compile_program
from loadpy.js.host import Host, Shared
from loadpy.metrics.metric import Contains
from loadpy.metrics.registry import Registry

SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")


@dataclass
class JsScript:
    path: str
    program: Program
    init_context: JsContext
    shared: Shared
    options: dict[str, Any] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)  # exported name -> typeof

    @property
    def has_handle_summary(self) -> bool:
        return self.exports.get("handleSummary") == "function"


def metric_definer(registry: Registry) -> Callable[[str, str, bool], None]:
    """`new Trend(name, true)` → a registry definition (the same rules as `vu.metrics.define`)."""

    def define(name: str, type_: str, is_time: bool) -> None:
        registry.define(name, type_, Contains.TIME if is_time else Contains.DEFAULT)

    return define


def load_js_script(path: str, env: Mapping[str, str], registry: Registry) -> JsScript:
    """Compile and run the init code once (ScriptError, exit 107, on any error in it)."""
    program = compile_program(path)
    shared = Shared(define_metric=metric_definer(registry))
    context = JsContext(program, Host(shared), dict(env), 0)
    options = context.options()
    if "__not_an_object__" in options:
        raise ConfigError("options must be an object", file=path, key="options")
    exports = context.exports()
    if "default" not in exports and not _scenario_execs(options):
        raise ConfigError(
            "the script exports no default function (and no scenario names an exec function)", file=path, key="default"
        )
    shared.options_json = json.dumps(options)
    return JsScript(path, program, context, shared, options, exports)


def _scenario_execs(options: Mapping[str, Any]) -> list[str]:
    scenarios = options.get("scenarios")
    if not isinstance(scenarios, Mapping):
        return []
    return [str(s.get("exec")) for s in scenarios.values() if isinstance(s, Mapping) and s.get("exec")]
