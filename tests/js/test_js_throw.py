"""k6's `throw` option in k6 scripts: a request that got no response throws a GoError with Go's
error text (no "Request Failed" warning), an HTTP error status does not; the metrics are the same as
without the option. The same script runs through the real k6 binary and through loadpy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.unit.k6lib.oracle import k6_binary

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import http from 'k6/http';
export const options = {{ iterations: 1 }};
export default function () {{
  try {{ http.post('http://127.0.0.1:1/x', 'a'); }} catch (e) {{ console.log('caught', e.name, e.message); }}
  try {{ http.request('PATCH', 'nonsense://x'); }} catch (e) {{ console.log('caught', e.name, e.message); }}
  console.log('status', http.get('{base}/status/503').status);
  try {{ http.batch([['DELETE', 'http://127.0.0.1:1/y'], '{base}/get']); }}
  catch (e) {{ console.log('batch', e.message); }}
  http.get('http://127.0.0.1:1/z');
  console.log('not reached');
}}
"""


def run(command: list[str], script: Path, export: Path, *extra: str) -> tuple[list[str], dict[str, object]]:
    proc = subprocess.run(
        [
            *command,
            "run",
            "-q",
            "--address",
            "",
            "--log-format",
            "raw",
            "--summary-export",
            str(export),
            *extra,
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=script.parent,
    )
    # the logs (stderr; the summary goes to stdout), without stack frames (k6 shows its Go frames too)
    lines = [line for line in proc.stderr.splitlines() if line and not line.startswith("\tat ")]
    assert export.is_file(), proc.stderr
    metrics = json.loads(export.read_text())["metrics"]
    counts = {
        "http_reqs": metrics["http_reqs"]["count"],
        "failed": (metrics["http_req_failed"]["passes"], metrics["http_req_failed"]["fails"]),
        "iterations": metrics["iterations"]["count"],
    }
    return [*lines, f"exit {proc.returncode}"], counts


@pytest.mark.parametrize("how", [["--throw"], ["-e", "unused=1"]], ids=["flag", "option"])
def test_throw_as_k6(tmp_path: Path, demo_server: DemoServer, how: list[str]) -> None:
    source = textwrap.dedent(SCRIPT.format(base=demo_server.base_url)).lstrip()
    if how[0] != "--throw":
        source = source.replace("iterations: 1 }", "iterations: 1, throw: true }")
    script = tmp_path / "throw.js"
    script.write_text(source, encoding="utf-8")
    expected = run([k6_binary()], script, tmp_path / "k6.json", *how)
    got = run([sys.executable, "-m", "loadpy"], script, tmp_path / "loadpy.json", *how)
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    lines = got[0]
    assert lines[0] == 'caught GoError Post "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused'
    assert 'GoError: Get "http://127.0.0.1:1/z": dial tcp 127.0.0.1:1: connect: connection refused' in lines
    assert "not reached" not in lines and "Request Failed" not in lines and lines[-1] == "exit 0"


def test_throw_is_refused_outside_k6_scripts(tmp_path: Path) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "options:\n  iterations: 1\n  throw: true\nflows:\n  default:\n    - request: {method: GET, url: http://127.0.0.1:1/}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "loadpy", "run", "-q", str(flow)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 104
    assert "the k6 option 'throw' applies to k6 scripts (.js, .ts) only" in proc.stderr
    assert "Traceback" not in proc.stderr
