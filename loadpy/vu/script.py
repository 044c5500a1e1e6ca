"""Python scripts: `loadpy run script.py` — the Python analogue of a k6 script.

A script module defines `options` (a dict of k6 camelCase options), `async def default(vu)`,
and optionally `setup(vu)`, `teardown(vu[, data])`, `handle_summary(data)`, other exported
functions for scenarios' `exec`, and `metrics = {"orders": "counter", ...}`.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from loadpy.errors import ConfigError, LoadpyError, ScriptError
from loadpy.metrics.registry import Registry
from loadpy.vu.context import VuContext
from loadpy.vu.core import ClientFactory
from loadpy.vu.custom import define_all
from loadpy.vu.recording import DEFAULT_EXPECTED, ExpectedStatuses
from loadpy.vu.runtime import BaseRuntime, Body, describe_error, make_core, python_body

LIFECYCLE = ("setup", "teardown", "handle_summary")


@dataclass
class ScriptModule:
    """A loaded Python script: what the lead's `run` needs to build options and a runtime."""

    path: str
    module: ModuleType
    options: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)  # exportable scenario functions
    setup: Callable[..., Any] | None = None
    teardown: Callable[..., Any] | None = None
    handle_summary: Callable[..., Any] | None = None
    metrics: Mapping[str, Any] | None = None
    env: dict[str, str] = field(default_factory=dict)  # the script's `env` defaults, if any


def load_python_script(path: str) -> ScriptModule:
    """Import a script file (init code runs once here). Import errors are ScriptErrors (k6 exit 107)."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"the file {path} does not exist", file=path)
    name = f"loadpy_script_{file.stem}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load {path} as a Python module", file=path)
    module = importlib.util.module_from_spec(spec)
    folder = str(file.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # the script's helper modules import like in a normal run
    try:
        spec.loader.exec_module(module)
    except LoadpyError:
        raise
    except SyntaxError as exc:
        raise ScriptError(f"{path}, line {exc.lineno}: SyntaxError: {exc.msg}") from None
    except Exception as exc:
        raise ScriptError(f"{path}: error in init code: {describe_error(exc)}") from exc
    options = getattr(module, "options", {}) or {}
    if not isinstance(options, dict):
        raise ConfigError(
            f"options must be a dict of k6 options, not a {type(options).__name__}", file=path, key="options"
        )
    functions: dict[str, Callable[..., Any]] = {
        n: f
        for n, f in vars(module).items()
        if inspect.isfunction(f) and not n.startswith("_") and n not in LIFECYCLE and f.__module__ == name
    }
    env = getattr(module, "env", None)
    return ScriptModule(
        path=path,
        module=module,
        options=options,
        functions=functions,
        setup=_callable(module, "setup", path),
        teardown=_callable(module, "teardown", path),
        handle_summary=_callable(module, "handle_summary", path),
        metrics=getattr(module, "metrics", None),
        env={str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {},
    )


def _callable(module: ModuleType, name: str, path: str) -> Callable[..., Any] | None:
    fn = getattr(module, name, None)
    if fn is not None and not callable(fn):
        raise ConfigError(f"'{name}' must be a function", file=path, key=name)
    return fn


def _teardown_body(fn: Callable[..., Any]) -> Body:
    takes_data = len(inspect.signature(fn).parameters) >= 2

    async def run(vu: VuContext) -> Any:
        result = fn(vu, vu.setup_data) if takes_data else fn(vu)
        if inspect.isawaitable(result):
            result = await result
        return result

    return run


class PythonRuntime(BaseRuntime):
    """The Runtime for Python scripts: `PythonRuntime(script, options, registry, env)`."""

    def __init__(
        self,
        script: ScriptModule,
        options: Any,
        registry: Registry,
        env: Mapping[str, str],
        *,
        expected: ExpectedStatuses | None = DEFAULT_EXPECTED,
        client_factory: ClientFactory | None = None,
    ) -> None:
        try:
            define_all(registry, script.metrics)
        except ConfigError as exc:
            raise exc.located(file=script.path, key=f"metrics.{exc.key}" if exc.key else "metrics") from None
        bodies = {n: python_body(f) for n, f in script.functions.items()}
        for name, scenario in (getattr(options, "scenarios", None) or {}).items():
            exec_name = getattr(scenario, "exec_name", None) or "default"
            if exec_name not in bodies:
                raise ConfigError(
                    f"executor {name}: function '{exec_name}' not found in exports",
                    file=script.path,
                    key=f"options.scenarios.{name}.exec",
                )
        super().__init__(
            make_core(registry, options, env, expected, client_factory),
            bodies,
            python_body(script.setup) if script.setup else None,
            _teardown_body(script.teardown) if script.teardown else None,
            script.handle_summary,
        )
        self.script = script

    @classmethod
    def from_script(
        cls, script: ScriptModule, options: Any, registry: Registry, env: Mapping[str, str], **kw: Any
    ) -> PythonRuntime:
        return cls(script, options, registry, env, **kw)
