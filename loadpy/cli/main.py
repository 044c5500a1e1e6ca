"""The `loadpy` command: thin argument handling that hands off to loadpy.run and friends."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Sequence
from typing import Any

from loadpy import __version__
from loadpy.cli.args import ArgumentParser, add_log_flags, add_run_flags, positive_int
from loadpy.errors import ConfigError, ExitCode, LoadpyError

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

    for name, text in CONTROL_COMMANDS.items():
        control = sub.add_parser(name, help=f"{text} (REST API, like `k6 {name}`)")
        control.add_argument(
            "-a", "--address", default=DEFAULT_API_ADDRESS, help=f'REST API address (default "{DEFAULT_API_ADDRESS}")'
        )
        add_log_flags(control)
        if name == "scale":
            control.add_argument("-u", "--vus", type=positive_int, help="number of virtual users")
            control.add_argument("-m", "--max", type=positive_int, dest="max_vus", help="max available virtual users")

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
        from loadpy.report import load_results, write_report

        write_report(args.output, load_results(args.results))
        print(f"wrote {args.output}")
        return 0
    if args.command in CONTROL_COMMANDS:
        return _control(args)
    if args.command == "inspect":
        from loadpy.run import inspect

        return inspect(args)
    if args.command == "run":
        from loadpy.run import run

        return run(args)
    parser.print_help()
    return 0


def _control(args: Any) -> int:
    from loadpy.cli.control_client import run_command
    from loadpy.logs import setup_from_args

    setup_from_args(args)
    if args.command == "scale" and args.vus is None and args.max_vus is None:
        raise ConfigError("Specify either -u/--vus or -m/--max", file="command line", key="scale")
    return run_command(args.command, args.address, getattr(args, "vus", None), getattr(args, "max_vus", None))


def _report(exc: LoadpyError) -> None:
    log_message = getattr(exc, "log_message", None)
    if log_message:  # an error k6 logs as one line (`msg="Error from API server" error="…"`)
        logging.getLogger("loadpy").error(log_message, extra={"error": str(exc)})
        return
    print(f"loadpy: error: {exc}", file=sys.stderr)
