"""Stage 2 of a run: the TestPlan, everything resolved from a RunRequest before the first request: the
front end (YAML flows, Python module, k6 JS) and its runtime, options and scenarios, registry, thresholds
and output paths (ConfigError 104 / ScriptError 107 when something is wrong).

The single-process run, the coordinator and every worker (loadpy.workers) start here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from loadpy.errors import ConfigError
from loadpy.pipeline.request import RunRequest


@dataclass
class TestPlan:
    """Everything resolved before the first request: nothing here has touched the network."""

    __test__ = False  # not a pytest test class, whatever its name

    path: str
    options: Any  # loadpy.config.options.Options
    registry: Any  # loadpy.metrics.Registry
    runtime: Any  # loadpy.base.runtime.Runtime
    thresholds: Any  # loadpy.metrics.thresholds.Thresholds | None
    handle_summary: Any  # callable(data) -> dict | None
    masker: Any = None  # loadpy.secrets.Masker: secret -e values, masked in files written
    submetric_keys: Any = ()  # submetrics of unevaluated thresholds (--no-thresholds), still exported
    request: RunRequest | None = None  # what asked for this plan (report path, workers, environment)
    demo_url: str | None = None  # --demo: the demo target's URL (BASE_URL)

    @property
    def report(self) -> str | None:
        """--report FILE."""
        return self.request.report if self.request is not None else None

    def lifecycle_options(self) -> dict[str, Any]:
        """The Lifecycle's settings for this plan (loadpy.pipeline.lifecycle), the same for every backend."""
        from loadpy.metrics.tags import tagset

        opts, thresholds = self.options, self.thresholds
        return {
            "runtime": self.runtime,
            "registry": self.registry,
            "run_tags": tagset(opts.tags or {}),
            "setup_timeout": opts.setup_timeout,
            "teardown_timeout": opts.teardown_timeout,
            "no_setup": opts.no_setup,
            "no_teardown": opts.no_teardown,
            "threshold_tick": (lambda elapsed: thresholds.evaluate(elapsed, final=False)) if thresholds else None,
            "threshold_failures": thresholds.failed_metric_names if thresholds else None,
            "paused": bool(opts.paused),
            "control_address": opts.address or None,
        }


def _cli_env(request: RunRequest, demo_url: str | None) -> dict[str, str]:
    """-e NAME=VALUE pairs (and --demo's BASE_URL, which -e can still override)."""
    env = {"BASE_URL": demo_url} if demo_url else {}
    env.update(dict(request.env))
    return env


def plan_test(request: RunRequest, demo_url: str | None = None) -> TestPlan:
    """Load and validate everything; raises ConfigError (104) / ScriptError (107) before any request."""
    from loadpy.config.consolidate import resolve_options
    from loadpy.metrics import Registry
    from loadpy.metrics.thresholds import Thresholds

    path = request.file
    environ = request.environ
    if not os.path.exists(path):
        raise ConfigError(f"the file {path} does not exist", file=path)
    from loadpy.config.loader import resolve_env

    cli_env = _cli_env(request, demo_url)
    script_env = environ if request.system_env else {}  # __ENV; K6_* options are read from `environ` anyway
    config_path = request.config_path or environ.get("K6_CONFIG") or None
    config_file = _load_config_file(config_path, bool(request.config_path))
    cli = dict(request.options)
    registry = Registry()

    doc: Any = None
    is_js = path.endswith((".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"))  # loadpy.js.SUFFIXES
    if is_js:
        # the JavaScript front end (QuickJS, tree-sitter) is imported by the runs that need it only
        from loadpy.js import load_js_script
        from loadpy.js.bridge import JsRuntime
        from loadpy.js.bundle import JSLIB_DIR_ENV

        if request.jslib_dir:
            if not os.path.isdir(request.jslib_dir):
                raise ConfigError(f"no such directory: {request.jslib_dir}", key="--jslib-dir")
            os.environ[JSLIB_DIR_ENV] = request.jslib_dir  # read by the bundler (and by workers' own runs)
        env = resolve_env(None, script_env, cli_env)
        js_script = load_js_script(path, env, registry)
        try:
            options = resolve_options(
                js_script.options,
                config_file=config_file,
                env=environ,
                cli=cli,
                doc=None,
                config_path=request.config_path,
            )
        except ConfigError as exc:
            raise exc.located(file=path) from None
        js_runtime = JsRuntime(js_script, options, registry, env)
        runtime: Any = js_runtime
        handle_summary = js_runtime.handle_summary
    elif path.endswith(".py"):
        from loadpy.vu.script import PythonRuntime, load_python_script

        script = load_python_script(path)
        env = resolve_env(script.env, script_env, cli_env)
        options = resolve_options(
            script.options or {}, config_file=config_file, env=environ, cli=cli, doc=None, config_path=config_path
        )
        runtime = PythonRuntime(script, options, registry, env)
        handle_summary = getattr(script, "handle_summary", None)
    else:
        from loadpy.config.loader import load_document
        from loadpy.flows.runtime import FlowRuntime

        doc = load_document(path)
        env = resolve_env(doc.env_defaults, script_env, cli_env)
        options = resolve_options(
            doc.data.get("options") or {},
            config_file=config_file,
            env=environ,
            cli=cli,
            doc=doc,
            config_path=config_path,
            script_env=env,
        )
        runtime = FlowRuntime.from_document(doc, options, registry, env)
        handle_summary = getattr(runtime, "handle_summary", None)

    if options.throw and not is_js:
        # a Python script or a flow gets failed requests as values; nothing would throw
        raise ConfigError(
            "the k6 option 'throw' applies to k6 scripts (.js, .ts) only: remove it", file=path, key="options.throw"
        )

    thresholds = None
    if options.thresholds and not options.no_thresholds:
        try:
            thresholds = Thresholds.parse(options.thresholds, registry)
        except ConfigError as exc:
            if doc is not None:
                # the key is "thresholds.<metric>": the metric part may itself contain dots
                metric_key = (exc.key or "thresholds").partition(".")[2]
                raise doc.error(
                    ("options", "thresholds", metric_key) if metric_key else ("options", "thresholds"), exc.message
                ) from None
            raise exc.located(file=path) from None
    submetric_keys: Any = ()
    if options.thresholds and options.no_thresholds:
        from loadpy.metrics.selectors import unevaluated_submetric_keys

        submetric_keys = unevaluated_submetric_keys(options.thresholds, registry)
    _check_run_flags(options, request)
    from loadpy.secrets import Masker

    masker = request.masker or Masker()
    return TestPlan(
        path, options, registry, runtime, thresholds, handle_summary, masker, submetric_keys, request, demo_url
    )


def _check_run_flags(options: Any, request: RunRequest) -> None:
    """Options only the engine and outputs read: validate them here, before any file or socket opens."""
    from loadpy.outputs.files import check_writable
    from loadpy.segments import resolve

    if options.address and request.command == "run":  # k6 exits 106 on a bad --address
        from loadpy.engine.api_server import check_address

        check_address(options.address)
    from_cli = bool(request.options.get("executionSegment") or request.options.get("executionSegmentSequence"))
    try:
        resolve(options.execution_segment, options.execution_segment_sequence)
    except ConfigError as exc:
        raise exc.located(file="command line" if from_cli else request.file) from None
    for text in options.out or ():
        from loadpy.outputs.manager import parse_out_arg  # (the outputs' modules: for a run with --out only)

        where = "command line" if text in (request.options.get("out") or ()) else request.file
        try:
            output = parse_out_arg(text, options.system_tags)
        except ConfigError as exc:
            raise exc.located(file=where) from None
        path = getattr(output, "path", None)  # file outputs; the ones that push to a server have none
        if path is not None:
            check_writable(path, f"--out {text.partition('=')[0].strip()}", where)
    _check_end_of_test_files(options, request)


def _check_end_of_test_files(options: Any, request: RunRequest) -> None:
    """The files written at the end must be writable now: a typo in a path is bad input (104), not a lost report."""
    from loadpy.outputs.files import check_writable

    if options.summary_export and not options.no_summary:
        where = "command line" if request.options.get("summaryExport") else request.file
        check_writable(options.summary_export, "--summary-export", where)
    if request.report:
        check_writable(request.report, "--report")


def _load_config_file(path: str | None, from_flag: bool) -> dict[str, Any] | None:
    from loadpy.config.loader import load_config_file

    return load_config_file(path, "--config" if from_flag else "K6_CONFIG") if path else None
