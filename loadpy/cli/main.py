"""The `loadpy` command: thin argument handling that hands off to loadpy.run and friends."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from loadpy import __version__
from loadpy.cli.args import ArgumentParser, add_run_flags
from loadpy.errors import ExitCode, LoadpyError


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="loadpy", description="A load generator with k6's semantics, in Python.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)

    run = sub.add_parser("run", help="run a load test (like `k6 run`)")
    add_run_flags(run)

    inspect = sub.add_parser("inspect", help="print the resolved options and scenarios as JSON")
    add_run_flags(inspect)

    new = sub.add_parser("new", help="write a ready-to-run scenario for a test type")
    new.add_argument("path", nargs="?", default=None, help="file to write (default: print to stdout)")
    new.add_argument("--type", default="load", choices=["smoke", "load", "stress", "spike", "soak", "breakpoint"])
    new.add_argument("-f", "--force", action="store_true", help="overwrite an existing file")

    report = sub.add_parser("report", help="rebuild the HTML report from saved results (JSON or a report)")
    report.add_argument("results", help="a results JSON file or an earlier HTML report")
    report.add_argument("-o", "--output", required=True, help="the HTML file to write")

    sub.add_parser("version", help="print loadpy's version")

    demo = sub.add_parser("demo", help="serve the embedded demo target")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # secret -e values are masked in everything printed, the final error paragraph included
    with contextlib.ExitStack() as masking:
        try:
            return _dispatch(argv, masking)
        except LoadpyError as exc:
            _report(exc)
            return int(exc.exit_code)
        except KeyboardInterrupt:
            return int(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            return _stdout_closed()


def _dispatch(argv: list[str], masking: contextlib.ExitStack) -> int:
    parser = build_parser()
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    if args.command in ("run", "inspect"):
        from loadpy.secrets import Masker, secret_values, stdio

        args.masker = Masker(secret_values(args.env, args.secret))
        masking.enter_context(stdio(args.masker))
    if args.command == "version":
        print(f"loadpy v{__version__} (python {sys.version.split()[0]})")
        return 0
    if args.command == "new":
        from loadpy.cli.new import write_new

        return write_new(args.type, args.path, force=args.force)
    if args.command == "demo":
        from loadpy.demo.server import main as demo_main

        return demo_main(["--host", args.host, "--port", str(args.port)])
    if args.command == "report":
        _rebuild_report(args.results, args.output)
        print(f"wrote {args.output}")
        return 0
    if args.command == "inspect":
        from loadpy.run import inspect

        return inspect(args)
    if args.command == "run":
        from loadpy.run import run

        return run(args)
    parser.print_help()
    return 0


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
    print(f"loadpy: error: {exc}", file=sys.stderr)
