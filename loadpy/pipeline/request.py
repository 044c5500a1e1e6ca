"""Stage 1 of a run: the RunRequest, what the command line, `loadpy.run()` and the environment asked for.

Nothing here is resolved or validated against the test: that is the plan's job (loadpy.pipeline.plan).
The command line maps its arguments into one (loadpy.cli.args.run_request) and no argparse Namespace
travels past it; a worker of `--workers N` receives the coordinator's request with its segment set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loadpy.cluster.options import RayOptions


@dataclass(frozen=True)
class RunRequest:
    file: str
    command: str = "run"  # "run" | "inspect"
    # the k6 options set on the command line (camelCase keys, as cli_options maps them); unset flags absent
    options: Mapping[str, Any] = field(default_factory=dict)
    env: tuple[tuple[str, str], ...] = ()  # -e NAME=VALUE, in the order given (a later one wins)
    system_env: bool = True  # --include-system-env-vars: the process environment is part of __ENV
    config_path: str | None = None  # --config (K6_CONFIG in `environ` is read when this is absent)
    environ: Mapping[str, str] = field(default_factory=dict)  # the process environment: K6_* options, __ENV
    workers: int | None = None  # --workers, as given (None: one process)
    report: str | None = None  # --report FILE
    dashboard: bool = False  # --dashboard (K6_WEB_DASHBOARD in `environ` too)
    demo: bool = False  # --demo: start the demo target, BASE_URL points at it
    verbose: bool = False
    log_output: str | None = None
    log_format: str | None = None
    jslib_dir: str | None = None  # --jslib-dir: local copies of remote JavaScript modules
    cluster: RayOptions | None = None  # --engine ray and its flags (None: this machine only)
    masker: Any = None  # loadpy.secrets.Masker of secret -e and environment values (None: nothing secret)

    def on_command_line(self, key: str) -> bool:
        """True when the k6 option `key` was set by a flag: its errors are located at "command line"."""
        return key in self.options

    @property
    def no_color(self) -> bool:
        return bool(self.options.get("noColor"))
