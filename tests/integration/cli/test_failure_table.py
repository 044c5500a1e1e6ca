"""The reason failed requests failed, in the summary a user reads after a run against a broken target:
k6 prints only "N% failed"; loadpy adds a table by status, k6 error code, request and k6's error text."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import run_loadpy, write_scenario


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def test_summary_lists_failures_by_reason(tmp_path: Path, demo_server: DemoServer) -> None:
    port = closed_port()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{iterations: 3}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/status/404"}}
            - request: {{url: "http://127.0.0.1:{port}/x"}}
            - request: {{url: "{demo_server.base_url}/status/503", name: svc}}
            - request: {{url: "{demo_server.base_url}/"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario, "--no-color")
    assert out.code == 0, out.stderr
    table = out.stdout[out.stdout.index("FAILED REQUESTS") :].splitlines()
    assert table[0].strip() == "FAILED REQUESTS (9 of 12)"
    rows = [re.split(r"\s{2,}", line.strip()) for line in table[2:] if line.strip()]  # columns: 2+ spaces apart
    assert rows[0] == ["count", "status", "error_code", "request", "error"]
    assert sorted(rows[1:]) == [  # equal counts: any order
        ["3", "0", "1212", f"GET http://127.0.0.1:{port}/x", "dial: connection refused"],
        ["3", "404", "1404", f"GET {demo_server.base_url}/status/404"],
        ["3", "503", "1503", "GET svc"],
    ]


def test_no_failure_no_section(tmp_path: Path, demo_server: DemoServer) -> None:
    scenario = write_scenario(
        tmp_path, f'options: {{iterations: 2}}\nflows: {{default: [{{request: {{url: "{demo_server.base_url}/"}}}}]}}\n'
    )
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 0 and "FAILED REQUESTS" not in out.stdout
