"""`FlowRuntime`: a scenario file's data, metrics and flows compiled into a Runtime."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadpy.errors import ConfigError, LoadpyError
from loadpy.metrics.registry import Registry
from loadpy.vu.compiler import FlowCompiler, resolve_function
from loadpy.vu.context import VuContext
from loadpy.vu.core import ClientFactory
from loadpy.vu.custom import define_all
from loadpy.vu.data import load_data
from loadpy.vu.runtime import BaseRuntime, Body, expected_from, make_core, python_body
from loadpy.vu.steps import Flow

RESERVED_DATA_NAMES = (
    "vu",
    "iter",
    "scenario",
    "env",
    "setup_data",
    "status",
    "body",
    "json",
    "headers",
    "duration",
    "error",
    "error_code",
    "response",
)


def _flow_body(flow: Flow) -> Body:
    return flow.body()


def _setup_body(flow: Flow) -> Body:
    async def run(vu: VuContext) -> Any:
        await flow.run(vu)
        captures = dict(vu.captures)
        if "__return__" in captures:
            return captures["__return__"]
        return captures or None

    return run


def _teardown_body(flow: Flow) -> Body:
    return flow.run


class FlowRuntime(BaseRuntime):
    """The Runtime for YAML scenario files."""

    def __init__(self, *args: Any, data: Mapping[str, tuple[Any, ...]], flows: Mapping[str, Flow], **kw: Any):
        super().__init__(*args, **kw)
        self.data = dict(data)
        self.flows = dict(flows)

    @classmethod
    def from_document(
        cls,
        doc: Any,
        options: Any,
        registry: Registry,
        env: Mapping[str, str],
        *,
        client_factory: ClientFactory | None = None,
    ) -> FlowRuntime:
        """Compile everything once; any problem is a ConfigError naming file, line and key."""
        base_dir = Path(doc.path).resolve().parent if doc.path and not doc.path.startswith("<") else Path.cwd()
        data = load_all_data(doc, env, base_dir)
        try:
            define_all(registry, doc.data.get("metrics"))
        except ConfigError as exc:
            path = ("metrics", exc.key) if exc.key else ("metrics",)
            raise doc.error(path, exc.message, exc.hint) from None
        expected = expected_from(doc.data.get("http"), doc.error)
        core = make_core(registry, options, env, expected, client_factory)
        compiler = FlowCompiler(doc, env, registry, core.recorder, data, base_dir)
        flows = compiler.flows()
        bodies: dict[str, Body] = {
            name: _flow_body(f) for name, f in flows.items() if name not in ("setup", "teardown")
        }
        for name, scenario in (getattr(options, "scenarios", None) or {}).items():
            exec_name = getattr(scenario, "exec_name", None) or "default"
            if exec_name in bodies:
                continue
            exec_path = ("options", "scenarios", name, "exec")
            if ":" in exec_name:
                try:
                    bodies[exec_name] = python_body(resolve_function(exec_name, base_dir))
                except ConfigError as exc:
                    raise doc.error(exec_path, f"executor {name}: {exc.message}", exc.hint) from None
                continue
            raise doc.error(
                exec_path,
                f"executor {name}: function '{exec_name}' not found in exports",
                _flow_hint(exec_name, list(bodies)),
            )
        handle_summary = None
        if isinstance(doc.data.get("handle_summary"), str):
            try:
                handle_summary = resolve_function(doc.data["handle_summary"], base_dir)
            except ConfigError as exc:
                raise doc.error(("handle_summary",), exc.message, exc.hint) from None
        return cls(
            core,
            bodies,
            _setup_body(flows["setup"]) if "setup" in flows else None,
            _teardown_body(flows["teardown"]) if "teardown" in flows else None,
            handle_summary,
            data=data,
            flows=flows,
        )


def _flow_hint(name: str, flows: list[str]) -> str | None:
    from loadpy.errors import did_you_mean

    return did_you_mean(name, flows) or (f"flows: {', '.join(flows)}" if flows else "the file has no flows")


def load_all_data(doc: Any, env: Mapping[str, str], base_dir: Path) -> dict[str, tuple[Any, ...]]:
    """Every `data:` entry, loaded once; errors keyed `data.<name>`."""
    from loadpy.vu.expressions import substitute_env_deep

    out: dict[str, tuple[Any, ...]] = {}
    for name, spec in (doc.data.get("data") or {}).items():
        path = ("data", str(name))
        if not str(name).isidentifier() or str(name) in RESERVED_DATA_NAMES:
            raise doc.error(
                path,
                f"invalid data name '{name}': use an identifier that is not a built-in name "
                f"({', '.join(RESERVED_DATA_NAMES)})",
            )
        try:
            out[str(name)] = load_data(substitute_env_deep(spec, env), base_dir)
        except LoadpyError as exc:
            message = exc.message if isinstance(exc, ConfigError) else str(exc)
            raise doc.error((*path, "file") if isinstance(spec, Mapping) else path, message) from None
        except OSError as exc:
            raise doc.error(path, f"cannot read data file: {exc}") from None
    return out
