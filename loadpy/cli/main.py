"""The `loadpy` command: thin argument handling; `run`/`inspect` become a RunRequest for loadpy.pipeline."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from loadpy.cli.args import ArgumentParser, add_log_flags, add_run_flags, positive_int, run_request
from loadpy.errors import ConfigError, ExitCode, LoadpyError
from loadpy.pipeline.request import RunRequest
from loadpy.version import __version__

DEFAULT_API_ADDRESS = "localhost:6565"  # k6's default --address
CONTROL_COMMANDS = {
    "status": "show the status of a running test",
    "pause": "pause a running test",
    "resume": "resume a paused test",
    "scale": "change the VUs of a running externally-controlled test",
    "stats": "show the metrics of a running test",
}


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="loadpy", description="A load generator with k6's semantics, in Python.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)

    sub.add_parser("run", help="run a load test (like `k6 run`)", flags=add_run_flags)
    sub.add_parser("inspect", help="print the resolved options and scenarios as JSON", flags=add_run_flags)

    new = sub.add_parser("new", help="write a ready-to-run scenario for a test type")
    new.add_argument("path", nargs="?", default=None, help="file to write (default: print to stdout)")
    new.add_argument("--type", default="load", choices=["smoke", "load", "stress", "spike", "soak", "breakpoint"])
    new.add_argument("-f", "--force", action="store_true", help="overwrite an existing file")

    report = sub.add_parser("report", help="rebuild the HTML report from saved results (JSON or a report)")
    report.add_argument("results", help="a results JSON file or an earlier HTML report")
    report.add_argument("-o", "--output", required=True, help="the HTML file to write")

    compare = sub.add_parser(
        "compare",
        help="compare two runs' results and fail on a regression (exit 99)",
        description="Compare two runs (--summary-export files, handleSummary data, saved --report results or "
        "HTML reports; k6's or loadpy's) and exit 99 when a gated statistic regressed beyond its tolerance.",
    )
    compare.add_argument("base", help="the baseline run's results")
    compare.add_argument("new", help="the new run's results")
    compare.add_argument(
        "--gate",
        action="append",
        default=None,
        metavar="METRIC:STAT:TOL",
        help="a regression rule, repeatable; the sign is the bad direction, %% makes it relative "
        "(default: http_req_duration:p(95):+10%%, http_req_failed:rate:+0.01, http_reqs:rate:-10%%)",
    )
    compare.add_argument("--no-gates", action="store_true", help="only show the table, never fail")
    compare.add_argument("--all", action="store_true", help="show every statistic, not one per metric")
    compare.add_argument("--format", choices=["text", "markdown", "json"], default="text")

    k8s = sub.add_parser("k8s", help="Kubernetes: turn a k6-operator TestRun into a KubeRay RayJob (docs/ray.md)")
    k8s_sub = k8s.add_subparsers(dest="k8s_command", metavar="COMMAND", parser_class=ArgumentParser, required=True)
    render = k8s_sub.add_parser("render", help="print the RayJob that runs a TestRun with `loadpy run --engine ray`")
    render.add_argument("testrun", help="the k6-operator TestRun manifest (YAML)")
    render.add_argument("--image", help="the pods' image, with loadpy[ray] (default: the TestRun's runner image)")
    render.add_argument("-o", "--output", help="write the RayJob here instead of stdout")

    sub.add_parser("version", help="print loadpy's version")

    for name, text in CONTROL_COMMANDS.items():
        control = sub.add_parser(name, help=f"{text} (REST API, like `k6 {name}`)")
        control.add_argument(
            "-a", "--address", default=DEFAULT_API_ADDRESS, help=f'REST API address (default "{DEFAULT_API_ADDRESS}")'
        )
        add_log_flags(control)
        if name == "scale":
            control.add_argument("-u", "--vus", type=positive_int, help="number of virtual users")
            control.add_argument("-m", "--max", type=positive_int, dest="max_vus", help="max available virtual users")

    # `loadpy demo ...` is `python -m loadpy.demo ...`: its own parser (and its --help, with the endpoint
    # table) is imported only when the demo runs, keeping every other command's start-up light.
    sub.add_parser("demo", help="serve the embedded demo target (--help lists its endpoints)", add_help=False)
    return parser


def command() -> NoReturn:
    """The `loadpy` executable (its console script and `python -m loadpy`): `main`, then the process's
    exit without the interpreter's last collections (`main` itself is called by hosts: loadpy.run(), tests)."""
    from loadpy.base.collector import exit_process

    exit_process(main())


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return guarded(lambda masking: _dispatch(argv, masking))


def guarded(body: Callable[[contextlib.ExitStack], int]) -> int:
    """Run a command: a LoadpyError is one paragraph and its exit code, never a traceback. Secret -e values
    are masked in everything printed (the final error paragraph included) once `body` enters the masking."""
    with contextlib.ExitStack() as masking:
        try:
            return body(masking)
        except LoadpyError as exc:
            _report(exc)
            return int(exc.exit_code)
        except KeyboardInterrupt:
            return int(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            return _stdout_closed()


def execute(request: RunRequest, masking: contextlib.ExitStack) -> int:
    """`loadpy run` / `loadpy inspect` of one RunRequest (the command line's or loadpy.run()'s)."""
    from loadpy.secrets import stdio

    masking.enter_context(stdio(request.masker))
    if request.command == "inspect":
        from loadpy.pipeline.run import inspect

        return inspect(request)
    from loadpy.base.collector import start_up_burst, thaw

    with start_up_burst():  # (the pipeline's modules: what a run imports before its plan)
        from loadpy.pipeline.run import run
    try:
        return run(request)
    finally:
        thaw()  # what the start froze is the collector's again, however the run ended (loadpy.run()'s host)


def _dispatch(argv: list[str], masking: contextlib.ExitStack) -> int:
    parser = build_parser()
    if not argv:
        parser.print_help()
        return 0
    if argv[0] == "demo":
        from loadpy.demo.server import main as demo_main

        return demo_main(argv[1:])
    args = parser.parse_args(argv)
    if args.command in ("run", "inspect"):
        return execute(run_request(args, os.environ), masking)
    if args.command == "version":
        print(f"loadpy v{__version__} (python {sys.version.split()[0]})")
        return 0
    if args.command == "new":
        from loadpy.cli.new import write_new

        return write_new(args.type, args.path, force=args.force)
    if args.command == "report":
        _rebuild_report(args.results, args.output)
        print(f"wrote {args.output}")
        return 0
    if args.command == "compare":
        return _compare(args)
    if args.command == "k8s":
        return _k8s_render(args)
    if args.command in CONTROL_COMMANDS:
        return _control(args)
    parser.print_help()
    return 0


def _compare(args: argparse.Namespace) -> int:
    from loadpy import compare

    gates = [] if args.no_gates else [compare.parse_gate(g) for g in (args.gate or compare.DEFAULT_GATES)]
    result = compare.compare(
        compare.load_measurements(args.base),
        compare.load_measurements(args.new),
        gates,
        every_stat=args.all,
        base_name=os.path.basename(args.base),
        new_name=os.path.basename(args.new),
    )
    sys.stdout.write(compare.RENDERERS[args.format](result))
    return int(ExitCode.OK if result.ok else ExitCode.THRESHOLDS_FAILED)


def _k8s_render(args: argparse.Namespace) -> int:
    from loadpy.cluster.k8s import render

    manifest = render(args.testrun, args.image)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(manifest)
    else:
        sys.stdout.write(manifest)
    return 0


def _control(args: Any) -> int:
    from loadpy.cli.control_client import run_command
    from loadpy.logs import setup_from_args

    setup_from_args(args)
    if args.command == "scale" and args.vus is None and args.max_vus is None:
        raise ConfigError("Specify either -u/--vus or -m/--max", file="command line", key="scale")
    return run_command(args.command, args.address, getattr(args, "vus", None), getattr(args, "max_vus", None))


def _rebuild_report(results: str, output: str) -> None:
    """`loadpy report`: the results file is input like any other, so a malformed one is exit 104."""
    from loadpy.errors import ConfigError
    from loadpy.report import load_results, write_report

    try:
        data = load_results(results)
    except RecursionError:
        raise ConfigError("the results file nests too deeply to be loadpy results", file=results) from None
    try:
        write_report(output, data)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        # the data has the format marker but not the shape a run writes (edited or truncated by hand)
        raise ConfigError(
            f"malformed loadpy results file: {type(exc).__name__}: {exc}",
            file=results,
            hint="give the JSON results saved by a run, or an HTML report loadpy wrote",
        ) from None


def _stdout_closed() -> int:
    """The reader of our stdout went away (`loadpy inspect | head`): stop quietly, as k6 does (SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
    return 128 + 13  # what a shell shows for a process ended by SIGPIPE, like k6


def _report(exc: LoadpyError) -> None:
    log_message = getattr(exc, "log_message", None)
    if log_message:  # an error k6 logs as one line (`msg="Error from API server" error="…"`)
        logging.getLogger("loadpy").error(log_message, extra={"error": str(exc)})
        return
    print(f"loadpy: error: {exc}", file=sys.stderr)
