"""Python scripts: `loadpy run script.py` — the Python analogue of a k6 script.

A script module defines `options` (a dict of k6 camelCase options), `async def default(vu)`,
and optionally `setup(vu)`, `teardown(vu[, data])`, `handle_summary(data)`, other exported
functions for scenarios' `exec`, and `metrics = {"orders": "counter", ...}`.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from loadpy.config.loader import env_default_problem
from loadpy.errors import ConfigError, LoadpyError, ScriptError, did_you_mean
from loadpy.metrics.registry import Registry
from loadpy.vu.core import ClientFactory
from loadpy.vu.custom import define_all
from loadpy.vu.failures import describe_error
from loadpy.vu.recording import DEFAULT_EXPECTED, ExpectedStatuses
from loadpy.vu.runtime import BaseRuntime, exec_names, exec_not_found, make_core, python_body

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
    env: dict[str, Any] = field(default_factory=dict)  # the script's `env = {...}` defaults (as for YAML `env:`)


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
    return ScriptModule(
        path=path,
        module=module,
        options=options,
        functions=functions,
        setup=_callable(module, "setup", path),
        teardown=_callable(module, "teardown", path),
        handle_summary=_callable(module, "handle_summary", path),
        metrics=getattr(module, "metrics", None),
        env=_env_defaults(module, path),
    )


def _env_defaults(module: ModuleType, path: str) -> dict[str, Any]:
    """`env = {"BASE_URL": "http://..."}`: defaults below the process environment and `-e`."""
    env = getattr(module, "env", None)
    if env is None:
        return {}
    if not isinstance(env, dict):
        raise ConfigError(
            f"env must be a dict of NAME: value defaults, not a {type(env).__name__}",
            file=path,
            line=_line_of(path, "env"),
            key="env",
        )
    for name, value in env.items():
        problem = env_default_problem(name, value)
        if problem:
            raise ConfigError(problem, file=path, line=_line_of(path, "env"), key=f"env.{name}")
    return dict(env)


def _line_of(path: str, name: str) -> int | None:
    """The line of the module-level assignment to `name` (errors name file, line and key)."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return node.lineno
    return None


def resolve_function(target: str, base_dir: Path | None = None) -> Callable[..., Any]:
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


def _callable(module: ModuleType, name: str, path: str) -> Callable[..., Any] | None:
    fn = getattr(module, name, None)
    if fn is not None and not callable(fn):
        raise ConfigError(f"'{name}' must be a function", file=path, key=name)
    return fn


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
        for name, exec_name in exec_names(options):
            if exec_name not in bodies:
                raise ConfigError(
                    exec_not_found(name, exec_name), file=script.path, key=f"options.scenarios.{name}.exec"
                )
        super().__init__(
            make_core(registry, options, env, expected, client_factory),
            bodies,
            python_body(script.setup) if script.setup else None,
            python_body(script.teardown) if script.teardown else None,
            script.handle_summary,
        )
        self.script = script

    @classmethod
    def from_script(
        cls, script: ScriptModule, options: Any, registry: Registry, env: Mapping[str, str], **kw: Any
    ) -> PythonRuntime:
        return cls(script, options, registry, env, **kw)
