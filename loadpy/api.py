"""`loadpy.run(...)`: one load test from Python, in this process, with the CLI's exact semantics.

A benchmark harness or a pytest test asserts on the result instead of parsing text:

    result = loadpy.run("scenarios/smoke.yaml", vus=2, duration="5s", env={"BASE_URL": url})
    assert result.thresholds_ok, result.failed_thresholds
    assert result.metrics["http_req_duration"]["p(95)"] < 200

Keyword flags are `loadpy run`'s long flags in snake case (`summary_trend_stats="avg,p(99)"`,
`no_connection_reuse=True`); dicts become repeated `KEY=VALUE` flags (`env`, `tag`), lists repeated flags
(`out`). The run goes through the same code as the command line: the result is what `--summary-export` holds.
It must be called from the main thread with no event loop running (the run owns its loop and its signals).
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadpy.errors import ExitCode

# In-process defaults differ from the command line's in two ways only: no REST API port is opened (two runs
# in one test session would collide on localhost:6565) and the live progress is off.
_DEFAULTS: dict[str, Any] = {"address": "", "quiet": True}


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    export: dict[str, Any] = field(repr=False)

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """`metrics[name][stat]` exactly as `--summary-export` writes them (a Rate's ratio is `value`)."""
        return dict(self.export.get("metrics", {}))

    @property
    def failed_thresholds(self) -> list[str]:
        """`metric: source` for each threshold that failed."""
        return [
            f"{name}: {source}"
            for name, values in self.metrics.items()
            for source, failed in values.get("thresholds", {}).items()
            if failed
        ]

    @property
    def thresholds_ok(self) -> bool:
        return not self.failed_thresholds and self.exit_code != ExitCode.THRESHOLDS_FAILED

    @property
    def checks(self) -> dict[str, dict[str, int]]:
        """`{check path: {"passes": n, "fails": n}}` over the whole group tree."""
        found: dict[str, dict[str, int]] = {}

        def walk(group: Mapping[str, Any]) -> None:
            for check in group.get("checks", {}).values():
                found[check["path"]] = {"passes": check["passes"], "fails": check["fails"]}
            for sub in group.get("groups", {}).values():
                walk(sub)

        walk(self.export.get("root_group", {}))
        return found

    @property
    def ok(self) -> bool:
        return self.exit_code == ExitCode.OK


def run(path_or_document: str | os.PathLike[str] | Mapping[str, Any], **flags: Any) -> RunResult:
    """Run one test and return its result; a document (dict) is a whole scenario file's content."""
    from loadpy.cli.args import run_request
    from loadpy.cli.main import build_parser, execute, guarded

    with tempfile.TemporaryDirectory(prefix="loadpy-run-") as tmp:
        if isinstance(path_or_document, Mapping):
            path = Path(tmp) / "scenario.json"  # JSON is valid YAML: the scenario loader reads it as written
            path.write_text(json.dumps(path_or_document), encoding="utf-8")
        else:
            path = Path(path_or_document)
        user_export = flags.pop("summary_export", None)
        export_path = Path(user_export) if user_export else Path(tmp) / "summary.json"
        argv = ["run", *command_line_flags({**_DEFAULTS, **flags}), "--summary-export", str(export_path), str(path)]
        code = guarded(lambda masking: execute(run_request(build_parser().parse_args(argv), os.environ), masking))
        export = json.loads(export_path.read_text(encoding="utf-8")) if export_path.exists() else {}
    return RunResult(code, export)


def command_line_flags(flags: Mapping[str, Any]) -> list[str]:
    """Keyword flags → `loadpy run` arguments; an unknown name raises TypeError with the closest flag."""
    known = _run_flags()
    argv: list[str] = []
    for name, value in flags.items():
        flag = "--" + name.replace("_", "-")
        if flag not in known:
            close = difflib.get_close_matches(flag, sorted(known), n=1)
            hint = f" (did you mean {close[0][2:].replace('-', '_')!r}?)" if close else ""
            raise TypeError(f"loadpy.run() got an unknown flag {name!r}{hint}")
        if value is None or value is False:
            continue
        if value is True:
            argv.append(flag)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                argv += [flag, f"{key}={item}"]
        elif isinstance(value, list | tuple):
            for item in value:
                argv += [flag, str(item)]
        else:
            argv += [flag, str(value)]
    return argv


def _run_flags() -> set[str]:
    from loadpy.cli.args import ArgumentParser, add_run_flags

    parser = ArgumentParser(prog="loadpy run")
    add_run_flags(parser)
    return {opt for action in parser._actions for opt in action.option_strings if opt.startswith("--")}
