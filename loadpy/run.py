"""One `loadpy run`: load the file, resolve options, build the runtime and engine, run, summarise.

This module only wires the pieces together; each piece lives in its own package.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from loadpy.errors import ConfigError, ExitCode, LoadpyError, ScriptError

log = logging.getLogger("loadpy")


@dataclass
class Prepared:
    """Everything resolved before the first request: nothing here has touched the network."""

    path: str
    options: Any  # loadpy.config.options.Options
    registry: Any  # loadpy.metrics.Registry
    runtime: Any  # loadpy.engine.interfaces.Runtime
    thresholds: Any  # loadpy.metrics.thresholds.Thresholds | None
    handle_summary: Any  # callable(data) -> dict | None
    masker: Any = None  # loadpy.secrets.Masker: secret -e values, masked in files written


def _setup_logging(quiet: bool) -> None:
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format='time="%(asctime)s" level=%(levelname)s msg="%(message)s"',
        stream=sys.stderr,
    )
    logging.getLogger("loadpy").setLevel(logging.WARNING if quiet else logging.INFO)


def _cli_env(args: argparse.Namespace, demo_url: str | None) -> dict[str, str]:
    """-e NAME=VALUE pairs (and --demo's BASE_URL, which -e can still override)."""
    env = {"BASE_URL": demo_url} if demo_url else {}
    env.update(dict(args.env))
    return env


def prepare(args: argparse.Namespace, demo_url: str | None = None) -> Prepared:
    """Load and validate everything; raises ConfigError (104) / ScriptError (107) before any request."""
    from loadpy.cli.args import cli_options
    from loadpy.config.consolidate import resolve_options
    from loadpy.metrics import Registry
    from loadpy.metrics.thresholds import Thresholds

    path = args.file
    if not os.path.exists(path):
        raise ConfigError(f"the file {path} does not exist", file=path)
    from loadpy.config.loader import resolve_env

    cli_env = _cli_env(args, demo_url)
    config_file = _load_config_file(args.config or os.environ.get("K6_CONFIG"))
    cli = cli_options(args)
    registry = Registry()
    doc: Any = None

    if path.endswith((".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")):  # loadpy.js.SUFFIXES
        from loadpy.js import load_js_script
        from loadpy.js.bridge import JsRuntime

        env = resolve_env(None, os.environ, cli_env)
        js_script = load_js_script(path, env, registry)
        try:
            options = resolve_options(
                js_script.options, config_file=config_file, env=os.environ, cli=cli, doc=None, config_path=args.config
            )
        except ConfigError as exc:
            raise exc.located(file=path) from None
        js_runtime = JsRuntime(js_script, options, registry, env)
        runtime: Any = js_runtime
        handle_summary = js_runtime.handle_summary
    elif path.endswith(".py"):
        from loadpy.vu.script import PythonRuntime, load_python_script

        script = load_python_script(path)
        env = resolve_env(None, os.environ, cli_env)
        options = resolve_options(
            script.options or {}, config_file=config_file, env=os.environ, cli=cli, doc=None, config_path=args.config
        )
        runtime = PythonRuntime(script, options, registry, env)
        handle_summary = getattr(script, "handle_summary", None)
    else:
        from loadpy.config.loader import load_document
        from loadpy.vu.runtime import FlowRuntime

        doc = load_document(path)
        env = resolve_env(doc.env_defaults, os.environ, cli_env)
        options = resolve_options(
            doc.data.get("options") or {},
            config_file=config_file,
            env=os.environ,
            cli=cli,
            doc=doc,
            config_path=args.config,
            script_env=env,
        )
        runtime = FlowRuntime.from_document(doc, options, registry, env)
        handle_summary = getattr(runtime, "handle_summary", None)

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
    _check_run_flags(options, args)
    from loadpy.secrets import Masker

    masker = getattr(args, "masker", None) or Masker()
    return Prepared(path, options, registry, runtime, thresholds, handle_summary, masker)


def _check_run_flags(options: Any, args: argparse.Namespace) -> None:
    """Options only the engine and outputs read: validate them here, before any file or socket opens."""
    from loadpy.outputs.manager import parse_out_arg
    from loadpy.segments import resolve

    from_cli = bool(getattr(args, "execution_segment", None) or getattr(args, "execution_segment_sequence", None))
    try:
        resolve(options.execution_segment, options.execution_segment_sequence)
    except ConfigError as exc:
        raise exc.located(file="command line" if from_cli else args.file) from None
    for text in options.out or ():
        try:
            parse_out_arg(text, options.system_tags)
        except ConfigError as exc:
            raise exc.located(
                file="command line" if text in (getattr(args, "out", None) or ()) else args.file
            ) from None


def _load_config_file(path: str | None) -> dict[str, Any] | None:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"the config file {path} does not exist", file=path, key="--config") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON: {exc.msg}", file=path, line=exc.lineno, key="--config") from None
    if not isinstance(data, dict):
        raise ConfigError("a config file must hold a JSON object", file=path, key="--config")
    return data


@contextlib.contextmanager
def _maybe_demo(enabled: bool) -> Iterator[str | None]:
    if not enabled:
        yield None
        return
    from loadpy.demo.server import demo_subprocess

    with demo_subprocess() as base_url:
        yield base_url


def run(args: argparse.Namespace) -> int:
    _setup_logging(bool(args.quiet))
    with _maybe_demo(args.demo) as demo_url:
        prepared = prepare(args, demo_url)
        from loadpy.workers.coordinator import check_supported, resolve_worker_count

        workers = resolve_worker_count(getattr(args, "workers", None))
        if workers > 1:  # --workers N: one coordinator, N processes (loadpy/workers)
            from loadpy.workers.coordinator import run_coordinated

            check_supported(args, prepared.options, workers)
            _install_loop()
            return asyncio.run(run_coordinated(prepared, args, workers, demo_url))
        _install_loop()
        return asyncio.run(_execute(prepared, args))


def _install_loop() -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def _execute(p: Prepared, args: argparse.Namespace) -> int:
    from loadpy.engine.scheduler import Engine
    from loadpy.metrics.tags import tagset

    opts = p.options
    outputs = _start_outputs(p)
    engine = Engine(
        scenarios=opts.scenarios,
        runtime=p.runtime,
        registry=p.registry,
        run_tags=tagset(opts.tags or {}),
        segment=opts.execution_segment,
        segment_sequence=opts.execution_segment_sequence,
        setup_timeout=opts.setup_timeout,
        teardown_timeout=opts.teardown_timeout,
        no_setup=opts.no_setup,
        no_teardown=opts.no_teardown,
        threshold_tick=(lambda elapsed: p.thresholds.evaluate(elapsed, final=False)) if p.thresholds else None,
        scenario_tag="scenario" in opts.system_tags,
        paused=bool(opts.paused),
        control_address=opts.address or None,
    )
    if not opts.quiet:
        from loadpy.cli.banner import banner

        print(banner(p.path, opts, outputs), flush=True)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, engine.interrupt)
    recorder = None
    if getattr(args, "report", None):
        from loadpy.report import TimeSeriesRecorder

        recorder = TimeSeriesRecorder(p.registry)
        recorder.start(loop)
    progress = None
    if not opts.quiet:
        from loadpy.cli.progress import Progress

        progress = Progress(engine)
        progress.start()
    try:
        result = await engine.run()
    finally:
        if recorder is not None:
            recorder.stop()
        if progress is not None:
            await progress.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    if outputs is not None:
        outputs.stop()
    code, summary = _finish(p, result)
    _finish_reports(p, outputs, result.test_run_duration_s)
    if recorder is not None:
        _write_html_report(args.report, p, summary, recorder, result.test_run_duration_s)
    return code


def _write_html_report(path: str, p: Prepared, summary: Any, recorder: Any, duration_s: float) -> None:
    """--report FILE: a self-contained HTML report, or (FILE ending in .json) the data to rebuild one later."""
    from loadpy.report import report_data, save_results, write_report
    from loadpy.summary import export_json

    meta = {"script": p.path, "duration_s": duration_s, "options": p.options.raw}
    data = p.masker.mask_data(report_data(p.registry, export_json(summary), recorder, meta))
    (save_results if path.endswith(".json") else write_report)(path, data)


def _finish_reports(p: Prepared, outputs: Any, duration_s: float) -> None:
    """JUnit files (--out junit=) and the GitHub step summary ($GITHUB_STEP_SUMMARY), after the verdict."""
    from loadpy.outputs import checks_from_groups
    from loadpy.outputs.manager import finish_reports
    from loadpy.outputs.results import threshold_results

    results = threshold_results(p.thresholds, duration_s)
    finish_reports(outputs, results, checks_from_groups(p.registry.groups.root), p.masker)


def _start_outputs(p: Prepared) -> Any:
    if not p.options.out:
        return None
    from loadpy.outputs.manager import OutputManager, parse_out_arg

    system_tags = p.options.system_tags
    outs = [parse_out_arg(text, system_tags) for text in p.options.out]
    thresholds_by_metric: dict[str, list[str]] = {}
    submetrics: dict[str, list[Any]] = {}
    if p.thresholds is not None:
        for name, items in p.thresholds.by_metric.items():
            parent = name.split("{", 1)[0]
            if "{" in name:  # k6 lists a submetric's thresholds on the submetric, not the parent
                submetrics.setdefault(parent, []).append(name)
            else:
                thresholds_by_metric.setdefault(parent, []).extend(t.source for t in items)
    manager = OutputManager(
        p.registry,
        outs,
        thresholds_by_metric=thresholds_by_metric,
        submetrics=submetrics,
        system_tags=system_tags,
        masker=p.masker,
    )
    manager.start(asyncio.get_running_loop())
    return manager


def _finish(p: Prepared, result: Any) -> tuple[int, Any]:
    """Final thresholds, summary, exports, handle_summary; returns k6's exit code."""
    from loadpy.summary import build_summary, export_json, render_text

    opts = p.options
    duration = result.test_run_duration_s
    thresholds_failed = False
    if p.thresholds is not None:
        p.thresholds.evaluate(duration, final=True)
        failed = p.thresholds.failed_metric_names()
        if failed:
            thresholds_failed = True
            log.error("thresholds on metrics '%s' have been crossed", ", ".join(failed))
    if result.error is not None and not isinstance(result.error, LoadpyError | None):
        log.error("%s", result.error)
    summary = build_summary(
        p.registry,
        p.thresholds,
        test_run_duration_s=duration,
        summary_trend_stats=list(opts.summary_trend_stats),
        summary_time_unit=opts.summary_time_unit or None,
        setup_data=result.setup_data,
        no_color=bool(opts.no_color) or not sys.stdout.isatty(),
        is_stdout_tty=sys.stdout.isatty(),
        is_stderr_tty=sys.stderr.isatty(),
    )
    if not opts.no_summary:
        if opts.summary_export:
            _write_json(opts.summary_export, p.masker.mask_data(export_json(summary)))
        printed = _handle_summary(p, summary)
        if not printed:
            sys.stdout.write(render_text(summary, mode=opts.summary_mode or "compact"))
            sys.stdout.flush()
    code = int(result.exit_code)
    if code == 0 and getattr(p.runtime, "test_failed", False):
        code = int(ExitCode.TEST_FAILED)
    if code == 0 and thresholds_failed:
        code = int(ExitCode.THRESHOLDS_FAILED)
    return code, summary


def _handle_summary(p: Prepared, summary: Any) -> bool:
    """Run the user's handle_summary; True when it took over the stdout summary."""
    if p.handle_summary is None:
        return False
    from loadpy.summary import handle_summary_data

    try:
        outcome = p.handle_summary(handle_summary_data(summary))
    except Exception as exc:  # k6 logs the error and falls back to the default summary
        log.error("handle_summary failed: %s", exc)
        return False
    if outcome is None:
        return False
    if not isinstance(outcome, Mapping):
        log.error("handle_summary must return a mapping of path -> content, got %s", type(outcome).__name__)
        return False
    for target, content in outcome.items():
        text = content if isinstance(content, str | bytes) else json.dumps(content, indent=2)
        if isinstance(text, str) and target not in ("stdout", "stderr"):  # stdio is masked already
            text = p.masker.mask(text)
        if target == "stdout":
            sys.stdout.write(text if isinstance(text, str) else text.decode())
        elif target == "stderr":
            sys.stderr.write(text if isinstance(text, str) else text.decode())
        else:
            mode = "wb" if isinstance(text, bytes) else "w"
            with open(target, mode) as handle:
                handle.write(text)
    return True


def _write_json(path: str, data: Any) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=4)
        handle.write("\n")
    os.replace(tmp, path)  # never leave a half-written export behind


def inspect(args: argparse.Namespace) -> int:
    """`loadpy inspect FILE`: the resolved options and scenarios, as JSON, without running anything."""
    _setup_logging(True)
    prepared = prepare(args, None)
    opts = prepared.options
    out = dict(opts.raw)
    out["scenarios"] = {name: sc.to_dict() for name, sc in opts.scenarios.items()}
    print(json.dumps(out, indent=2, default=str))
    return 0


__all__ = ["ScriptError", "inspect", "prepare", "run"]
