"""Log flags end to end: the lines k6 v1.1.0 printed for the same console messages (see
tests/unit/cli/test_logs.py), -q hiding only the progress, and --log-output / --log-format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.integration.cli.helpers import run_loadpy, write_scenario

SCENARIO = """
options: {iterations: 1, vus: 1}
flows:
  default:
    - log: "hello \\"q\\"\\tx=1\\nline2 é"
    - log: ""
    - log: "e"
"""
# what `k6 run -q` printed on stderr for console.log of the same three messages
K6_LINES = [
    'level=info msg="hello \\"q\\"\\tx=1\\nline2 é" source=console',
    "level=info source=console",
    "level=info msg=e source=console",
]
TIME = re.compile(r'^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)" ')


def _console_lines(stderr: str) -> list[str]:
    lines = [line for line in stderr.splitlines() if "source=console" in line]
    assert all(TIME.match(line) for line in lines), lines
    return [TIME.sub("", line) for line in lines]


def test_quiet_keeps_console_logs_in_k6_logfmt(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, SCENARIO)
    out = run_loadpy(tmp_path, scenario, "--no-summary")
    assert out.code == 0, out.stderr
    assert _console_lines(out.stderr) == K6_LINES
    assert "running (" not in out.stdout  # -q hides the progress only


def test_log_output_stdout_and_json_format(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, SCENARIO)
    out = run_loadpy(tmp_path, scenario, "--no-summary", "--log-output", "stdout", "--log-format", "json")
    assert out.code == 0, out.stderr
    assert "source" not in out.stderr
    docs = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert [(d["level"], d["msg"], d["source"]) for d in docs] == [
        ("info", 'hello "q"\tx=1\nline2 é', "console"),
        ("info", "", "console"),
        ("info", "e", "console"),
    ]


@pytest.mark.slow
def test_log_output_none_and_file(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, SCENARIO)
    silent = run_loadpy(tmp_path, scenario, "--no-summary", "--log-output", "none")
    assert silent.code == 0 and "source=console" not in silent.stderr + silent.stdout
    logged = run_loadpy(tmp_path, scenario, "--no-summary", "--log-output", "file=run.log")
    assert logged.code == 0 and "source=console" not in logged.stderr
    assert _console_lines((tmp_path / "run.log").read_text()) == K6_LINES


def test_a_bad_log_output_is_refused_before_any_request(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, SCENARIO)
    out = run_loadpy(tmp_path, scenario, "--log-output", "bogus")
    assert out.code == 104
    assert out.stderr.strip() == "loadpy: error: command line, key '--log-output': unsupported log output 'bogus'"
