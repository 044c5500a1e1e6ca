"""What a user sees from the dashboard's settings: a taken port and unreadable values end the run
before any request (one paragraph naming the variable, k6's exit codes), OPEN=true says so when no
browser can be started, and the flag reaches the page's address."""

from __future__ import annotations

import socket
import stat
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, write_scenario


class CountingTarget:
    """A local HTTP target that counts the requests it received."""

    def __init__(self) -> None:
        self.hits = 0
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target.hits += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"


@pytest.fixture
def target() -> Iterator[CountingTarget]:
    t = CountingTarget()
    thread = threading.Thread(target=t.server.serve_forever, daemon=True)
    thread.start()
    yield t
    t.server.shutdown()
    t.server.server_close()


def run(tmp_path: Path, target: CountingTarget, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    scenario = write_scenario(
        tmp_path, f'options: {{iterations: 3}}\nflows: {{default: [{{request: {{url: "{target.url}"}}}}]}}\n'
    )
    cmd = loadpy_cmd("run", "--address", "", *flags, str(scenario))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=subprocess_env(env), cwd=tmp_path)


def test_a_taken_port_ends_the_run_before_any_request(tmp_path: Path, target: CountingTarget) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run(tmp_path, target, {"K6_WEB_DASHBOARD": "true", "K6_WEB_DASHBOARD_PORT": str(port)})
    assert out.returncode == 255  # k6: "listen tcp :5665: bind: address already in use", exit 255
    assert out.stderr.strip().splitlines()[-1] == (
        f"loadpy: error: the web dashboard cannot listen on 127.0.0.1:{port}: address already in use; "
        "set K6_WEB_DASHBOARD_PORT to a free port (0 picks one) or to -1 to only export the report"
    )
    assert "Traceback" not in out.stderr
    assert target.hits == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"K6_WEB_DASHBOARD": "maybe"},
            "environment, key 'K6_WEB_DASHBOARD': invalid value 'maybe': expected true or false",
        ),
        (
            {"K6_WEB_DASHBOARD_PORT": "abc"},
            "environment, key 'K6_WEB_DASHBOARD_PORT': invalid port 'abc': expected a number (-1 to serve nothing)",
        ),
        ({"K6_WEB_DASHBOARD_PORT": "70000"}, "environment, key 'K6_WEB_DASHBOARD_PORT': invalid port 70000"),
        (
            {"K6_WEB_DASHBOARD_PERIOD": "abc"},
            "environment, key 'K6_WEB_DASHBOARD_PERIOD': time: invalid duration \"abc\"",
        ),
        (
            {"K6_WEB_DASHBOARD_PERIOD": "0s"},
            "environment, key 'K6_WEB_DASHBOARD_PERIOD': the update period must be positive, got '0s'",
        ),
        (
            {"K6_WEB_DASHBOARD_OPEN": "yes"},
            "environment, key 'K6_WEB_DASHBOARD_OPEN': invalid value 'yes': expected true or false",
        ),
    ],
)
def test_unreadable_values_are_refused_before_any_request(
    tmp_path: Path, target: CountingTarget, env: dict[str, str], message: str
) -> None:
    out = run(tmp_path, target, {"K6_WEB_DASHBOARD": "true", **env})
    assert out.returncode == 104, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f"loadpy: error: {message}"), last
    assert "Traceback" not in out.stderr
    assert target.hits == 0


def test_dashboard_off_by_default_and_when_false(tmp_path: Path, target: CountingTarget) -> None:
    for env in ({}, {"K6_WEB_DASHBOARD": "false", "K6_WEB_DASHBOARD_PORT": "abc"}):
        out = run(tmp_path, target, env)
        assert out.returncode == 0, out.stderr
        assert "web dashboard" not in out.stdout
    assert target.hits == 6


def test_open_runs_the_browser_on_the_page_address(tmp_path: Path, target: CountingTarget) -> None:
    seen = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{seen}"\n', encoding="utf-8")
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    out = run(
        tmp_path,
        target,
        {"K6_WEB_DASHBOARD_PORT": "0", "K6_WEB_DASHBOARD_OPEN": "1", "BROWSER": str(browser)},
        "--dashboard",
    )
    assert out.returncode == 0, out.stderr
    url = out.stdout.split("web dashboard: ", 1)[1].split("\n", 1)[0]
    assert seen.read_text(encoding="utf-8") == url
    assert "K6_WEB_DASHBOARD_OPEN" not in out.stderr
    assert target.hits == 3


def test_open_says_so_when_no_browser_can_be_started(tmp_path: Path, target: CountingTarget) -> None:
    out = run(
        tmp_path,
        target,
        {"K6_WEB_DASHBOARD": "true", "K6_WEB_DASHBOARD_PORT": "0", "K6_WEB_DASHBOARD_OPEN": "true", "BROWSER": "false"},
    )
    assert out.returncode == 0, out.stderr
    url = out.stdout.split("web dashboard: ", 1)[1].split("\n", 1)[0]
    assert f"K6_WEB_DASHBOARD_OPEN=true: no web browser could be started here; open {url} yourself" in out.stderr
    no_server = run(
        tmp_path, target, {"K6_WEB_DASHBOARD": "true", "K6_WEB_DASHBOARD_PORT": "-1", "K6_WEB_DASHBOARD_OPEN": "true"}
    )
    assert no_server.returncode == 0, no_server.stderr
    assert "K6_WEB_DASHBOARD_OPEN=true: there is no page to open, K6_WEB_DASHBOARD_PORT=-1 serves none" in (
        no_server.stderr
    )


def test_workers_refuse_the_dashboard(tmp_path: Path, target: CountingTarget) -> None:
    out = run(tmp_path, target, {"K6_WEB_DASHBOARD_PORT": "0"}, "--dashboard", "--workers", "2")
    assert out.returncode == 104
    assert "--workers 2 can't be combined with the web dashboard (--dashboard, K6_WEB_DASHBOARD)" in out.stderr
    assert target.hits == 0
