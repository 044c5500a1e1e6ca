"""`loadpy run` flags, mirroring `k6 run`, and their translation into k6 option keys.

argparse never exits on its own here: a bad flag is a ConfigError (exit 104, one paragraph).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from loadpy.errors import ConfigError
from loadpy.pipeline.request import RunRequest

# Flags whose value is optional but must be attached with "=" (pflag's NoOptDefVal): a bare flag takes
# this value, so `--http-debug script.js` does not read the script as the flag's value.
_BARE_FLAG_VALUES = {"--http-debug": "headers", "--include-system-env-vars": "true"}
# Go's strconv.ParseBool, which pflag's boolean flags use
_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True}
_GO_BOOLS.update({"0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False})


class ArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args: Any, flags: Callable[[argparse.ArgumentParser], None] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        # A subcommand's arguments, added when it is the one invoked or its help is shown: `loadpy run`
        # does not build `inspect`'s seventy flags, nor `loadpy version` either's (~2 ms each).
        self._pending_flags = flags

    def _add_pending_flags(self) -> None:
        if self._pending_flags is not None:
            add, self._pending_flags = self._pending_flags, None
            add(self)

    def format_usage(self) -> str:
        self._add_pending_flags()
        return super().format_usage()

    def format_help(self) -> str:
        self._add_pending_flags()
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message} (see '{self.prog} --help')", file="command line")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._add_pending_flags()
        if args is not None:
            args = list(args)
            end = args.index("--") if "--" in args else len(args)
            args[:end] = [f"{a}={_BARE_FLAG_VALUES[a]}" if a in _BARE_FLAG_VALUES else a for a in args[:end]]
        return super().parse_known_args(args, namespace)


def _go_bool(text: str) -> bool:
    if text not in _GO_BOOLS:
        raise argparse.ArgumentTypeError(f'strconv.ParseBool: parsing "{text}": invalid syntax')
    return _GO_BOOLS[text]


def _key_value(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    if not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def add_log_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """k6's global logging flags (loadpy/logs.py reads them)."""
    parser.add_argument("-v", "--verbose", action="store_true", default=None, help="enable verbose (debug) logging")
    parser.add_argument(
        "--log-output",
        metavar="OUTPUT",
        help="where logs go: stderr (default), stdout, none, file=PATH[,level=LEVEL]",
    )
    parser.add_argument("--log-format", metavar="FORMAT", help="log format: text (default), json, raw")


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """The flags of `k6 run` that loadpy supports, plus loadpy's own (--demo, --workers, --report)."""
    parser.add_argument("file", help="scenario file (.yaml/.yml/.json) or Python script (.py)")
    load = parser.add_argument_group("load shape (override the file's options, as k6's flags do)")
    load.add_argument("-u", "--vus", type=positive_int, help="number of virtual users")
    load.add_argument("-d", "--duration", help='test duration, e.g. "30s", "1m30s"')
    load.add_argument("-i", "--iterations", type=positive_int, help="total iterations (shared among VUs)")
    load.add_argument(
        "-s", "--stage", action="append", default=[], metavar="DURATION:TARGET", help="add a ramping stage"
    )
    load.add_argument("--execution-segment", help='run a segment of the test, e.g. "0:1/2"')
    load.add_argument("--execution-segment-sequence", help='e.g. "0,1/3,2/3,1"')
    load.add_argument("-p", "--paused", action="store_true", default=None, help="start paused")
    load.add_argument("--min-iteration-duration", help="minimum duration of an iteration")
    load.add_argument("--no-setup", action="store_true", default=None)
    load.add_argument("--no-teardown", action="store_true", default=None)

    env = parser.add_argument_group("environment and tags")
    env.add_argument("-e", "--env", action="append", default=[], type=_key_value, metavar="KEY=VALUE")
    env.add_argument(
        "--include-system-env-vars",
        type=_go_bool,
        default=True,
        metavar="BOOL",
        help="pass the process environment to __ENV (default true, as k6 run); =false: only -e values",
    )
    env.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="NAME",
        help="mask the -e value of NAME as *** in output (always: *_SECRET, *_TOKEN, *_PASSWORD)",
    )
    env.add_argument("--tag", action="append", default=[], type=_key_value, metavar="KEY=VALUE")
    env.add_argument("-c", "--config", help="k6 JSON config file (lowest precedence)")
    env.add_argument("--system-tags", help="comma-separated system tags to enable")
    env.add_argument(
        "--jslib-dir",
        metavar="DIR",
        help="k6 scripts: import https://host/path from the copy DIR/host/path (as LOADPY_JSLIB_DIR=DIR)",
    )

    http = parser.add_argument_group("HTTP")
    http.add_argument("--max-redirects", type=positive_int)
    http.add_argument("--user-agent")
    http.add_argument("--batch", type=positive_int)
    http.add_argument("--batch-per-host", type=positive_int)
    http.add_argument("--discard-response-bodies", action="store_true", default=None)
    http.add_argument("--no-connection-reuse", action="store_true", default=None)
    http.add_argument("--no-vu-connection-reuse", action="store_true", default=None)
    http.add_argument("--insecure-skip-tls-verify", action="store_true", default=None)
    http.add_argument("-w", "--throw", action="store_true", default=None)
    http.add_argument(
        "--http-debug",
        nargs="?",
        const="headers",
        metavar="full",
        help='log every request and response head to stderr; "--http-debug=full" adds the bodies',
    )

    results = parser.add_argument_group("results")
    results.add_argument("--summary-export", metavar="FILE", help="write k6's summary-export JSON")
    results.add_argument("--summary-mode", choices=["compact", "full", "legacy"])
    results.add_argument("--summary-trend-stats", help='e.g. "avg,min,med,max,p(90),p(95)"')
    results.add_argument("--summary-time-unit", choices=["s", "ms", "us"])
    results.add_argument("--no-summary", action="store_true", default=None)
    results.add_argument("--no-thresholds", action="store_true", default=None)
    results.add_argument("-o", "--out", action="append", default=[], metavar="TYPE=TARGET")
    results.add_argument("--report", metavar="FILE", help="write a self-contained HTML report")
    results.add_argument(
        "--dashboard",
        action="store_true",
        help="serve a live web dashboard on 127.0.0.1:5665 (as K6_WEB_DASHBOARD=true; see K6_WEB_DASHBOARD_*)",
    )
    results.add_argument("-q", "--quiet", action="store_true", default=None)
    results.add_argument("--no-color", action="store_true", default=None)

    control = parser.add_argument_group("control")
    control.add_argument("-a", "--address", help='REST API address (default "localhost:6565"; "" disables it)')
    add_log_flags(control)
    control.add_argument("--demo", action="store_true", help="start loadpy's demo target and point BASE_URL at it")
    control.add_argument(
        "--workers",
        type=positive_int,
        help="worker processes, one execution segment each (default 1; 0 = one per core)",
    )
    cluster = parser.add_argument_group("many machines (docs/ray.md; pip install 'loadpy[ray]')")
    cluster.add_argument("--engine", choices=["local", "ray"], help="where the workers run (default local)")
    cluster.add_argument("--ray-address", metavar="HOST:PORT", help="join this Ray cluster (default: start one here)")
    cluster.add_argument("--nodes", type=positive_int, help="nodes, one agent each (default: all, or 1 here)")
    cluster.add_argument(
        "--workers-per-node", type=positive_int, metavar="C", help="workers per node (default: one per core)"
    )


# argparse dest -> k6 option key, for plain copies.
_DIRECT = {
    "vus": "vus",
    "duration": "duration",
    "iterations": "iterations",
    "execution_segment": "executionSegment",
    "execution_segment_sequence": "executionSegmentSequence",
    "paused": "paused",
    "min_iteration_duration": "minIterationDuration",
    "no_setup": "noSetup",
    "no_teardown": "noTeardown",
    "max_redirects": "maxRedirects",
    "user_agent": "userAgent",
    "batch": "batch",
    "batch_per_host": "batchPerHost",
    "discard_response_bodies": "discardResponseBodies",
    "no_connection_reuse": "noConnectionReuse",
    "no_vu_connection_reuse": "noVUConnectionReuse",
    "insecure_skip_tls_verify": "insecureSkipTLSVerify",
    "throw": "throw",
    "http_debug": "httpDebug",
    "summary_export": "summaryExport",
    "summary_mode": "summaryMode",
    "summary_time_unit": "summaryTimeUnit",
    "no_summary": "noSummary",
    "no_thresholds": "noThresholds",
    "quiet": "quiet",
    "no_color": "noColor",
    "address": "address",
}


def cli_options(args: argparse.Namespace) -> dict[str, Any]:
    """The k6 options (camelCase) set on the command line; unset flags are absent."""
    out: dict[str, Any] = {}
    for dest, key in _DIRECT.items():
        value = getattr(args, dest, None)
        if value is not None:
            out[key] = value
    if args.stage:
        stages = []
        for text in args.stage:
            duration, sep, target = text.rpartition(":")
            if not sep or not duration:
                raise ConfigError(f"invalid stage {text!r}: expected DURATION:TARGET, e.g. 30s:10", key="--stage")
            try:
                stages.append({"duration": duration, "target": int(target)})
            except ValueError:
                raise ConfigError(f"invalid stage target in {text!r}", key="--stage") from None
        out["stages"] = stages
    if args.tag:
        out["tags"] = dict(args.tag)
    if args.summary_trend_stats is not None:  # "" is an empty list of columns, as in k6
        out["summaryTrendStats"] = [s.strip() for s in args.summary_trend_stats.split(",") if s.strip()]
    if args.system_tags:
        out["systemTags"] = [s.strip() for s in args.system_tags.split(",") if s.strip()]
    if args.out:
        out["out"] = list(args.out)
    return out


def run_request(args: argparse.Namespace, environ: Mapping[str, str]) -> RunRequest:
    """`loadpy run`/`inspect` arguments → the RunRequest every later stage reads (no Namespace past here)."""
    from loadpy.cluster.options import ray_options
    from loadpy.secrets import run_masker

    return RunRequest(
        file=args.file,
        command=args.command,
        options=cli_options(args),
        env=tuple(args.env),
        system_env=args.include_system_env_vars,
        config_path=args.config,
        environ=dict(environ),
        workers=args.workers,
        report=args.report,
        dashboard=bool(args.dashboard),
        demo=bool(args.demo),
        verbose=bool(args.verbose),
        log_output=args.log_output,
        log_format=args.log_format,
        jslib_dir=getattr(args, "jslib_dir", None),
        cluster=ray_options(args) if args.command == "run" else None,
        masker=run_masker(args.env, args.secret, environ),
    )
