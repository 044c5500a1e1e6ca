"""SIGINT / SIGTERM during a run: stop starting iterations, finish running ones within gracefulStop,
run teardown, write every result file completely and exit 105; a second SIGINT ends at once.

A deliberate difference from k6 (issue 8's contract): k6 v1.1.0 interrupts running iterations at
once on the first SIGINT/SIGTERM (measured with the scenario of the first test below: 2 × /ok, 0 ×
/trickle, teardown 1, exit 105, "test run was aborted because k6 received a 'interrupt' signal");
loadpy gives them their gracefulStop first, and the second signal is the immediate stop."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, wait_until, write_scenario
from tests.reliability.faulty_server import FaultyServer, faulty_server
from tests.reliability.helpers import csv_rows, json_points, request_tags


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyServer]:
    with faulty_server() as srv:
        yield srv


def _start(tmp_path: Path, scenario: Path) -> subprocess.Popen[str]:
    cmd = loadpy_cmd(
        "run",
        "--address",
        "",
        "--summary-export",
        "export.json",
        "--out",
        "json=out.json",
        "--out",
        "csv=out.csv",
        str(scenario),
    )
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=subprocess_env()
    )


def _finish(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_finishes_running_iterations_runs_teardown_and_writes_everything(
    tmp_path: Path, server: FaultyServer, sig: signal.Signals
) -> None:
    server.reset()
    # each iteration: /ok, a 1 s pause, then /trickle (1 s); gracefulStop 5 s lets both finish
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            main: {{executor: constant-vus, vus: 2, duration: 30s, gracefulStop: 5s}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
            - sleep: 1
            - request: {{url: "{server.base_url}/trickle", timeout: 10s}}
          teardown:
            - request: {{url: "{server.base_url}/teardown"}}
        """,
    )
    proc = _start(tmp_path, scenario)
    wait_until(lambda: server.count("/ok") >= 2, "the run did not get going")
    time.sleep(0.3)  # both VUs are inside the pause now
    started = time.monotonic()
    proc.send_signal(sig)
    stdout, stderr = _finish(proc, timeout=30)
    elapsed = time.monotonic() - started
    assert proc.returncode == 105, stderr
    assert "Traceback" not in stderr
    assert elapsed < 8, elapsed
    # no iteration started after the signal, the two running ones completed, teardown ran once
    assert server.count("/ok") == 2
    assert server.count("/trickle") == 2
    assert server.count("/teardown") == 1
    export = json.loads((tmp_path / "export.json").read_text())["metrics"]
    assert export["http_reqs"]["count"] == server.total() == 5
    assert export["iterations"]["count"] == 2
    assert export["http_req_failed"]["passes"] == 0
    tags = request_tags(json_points(tmp_path / "out.json"))
    assert len(tags) == 5 and all(t == ("200", None, None) for t in tags)
    rows = csv_rows(tmp_path / "out.csv")
    assert sum(1 for r in rows if r["metric_name"] == "http_reqs") == 5
    assert "http_reqs" in stdout  # the end-of-test summary was printed
    # k6's closing lines (k6 v1.1.0, same signal: `level=error msg="test run was aborted because k6 received
    # a 'interrupt' signal"`, and after the summary the final block with ✗ where the scenario stopped)
    word = {signal.SIGINT: "interrupt", signal.SIGTERM: "terminated"}[sig]
    closing = f"level=error msg=\"test run was aborted because loadpy received a '{word}' signal\""
    assert [line.split('" ', 1)[1] for line in stderr.splitlines() if "aborted" in line] == [closing]
    summary, _, final = stdout.rpartition("\n\n\n\n\nrunning (")
    assert "http_reqs" in summary and "running (" not in summary.rpartition("TOTAL RESULTS")[2]
    assert re.fullmatch(
        r"0\d\.\ds\), 0/2 VUs, 2 complete and 0 interrupted iterations\nmain ✗ \[ +\d+% \] 2 VUs  0\d\.\ds/30s\n", final
    ), final


def test_sigint_in_a_30s_run_exits_105_within_seconds_and_export_matches_the_server(
    tmp_path: Path, server: FaultyServer
) -> None:
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{vus: 4, duration: 30s}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
            - sleep: 0.02
        """,
    )
    proc = _start(tmp_path, scenario)
    wait_until(lambda: server.count("/ok") >= 50, "the run did not get going")
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = _finish(proc, timeout=30)
    assert proc.returncode == 105, stderr
    assert time.monotonic() - started < 5
    assert "Traceback" not in stderr
    export = json.loads((tmp_path / "export.json").read_text())["metrics"]
    assert export["http_reqs"]["count"] == server.count("/ok") == server.total()
    assert len(request_tags(json_points(tmp_path / "out.json"))) == server.total()
    assert sum(1 for r in csv_rows(tmp_path / "out.csv") if r["metric_name"] == "http_reqs") == server.total()


def test_a_second_sigint_ends_at_once_and_leaves_every_file_parseable(tmp_path: Path, server: FaultyServer) -> None:
    server.reset()
    # the iterations hang for 60 s and gracefulStop is 60 s: only the second SIGINT can end this
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            main: {{executor: constant-vus, vus: 2, duration: 30s, gracefulStop: 60s}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
            - request: {{url: "{server.base_url}/hang", timeout: 60s}}
        """,
    )
    proc = _start(tmp_path, scenario)
    wait_until(lambda: server.count("/hang") >= 2, "the run did not get going")
    proc.send_signal(signal.SIGINT)
    time.sleep(1.0)
    assert proc.poll() is None  # still waiting for the graceful stop
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = _finish(proc, timeout=20)
    assert time.monotonic() - started < 5
    assert proc.returncode == 105, stderr
    assert "Traceback" not in stderr
    export = json.loads((tmp_path / "export.json").read_text())["metrics"]
    assert export["http_reqs"]["count"] == 2  # the two /ok; the cut /hang requests are not samples
    assert request_tags(json_points(tmp_path / "out.json")) == [("200", None, None)] * 2
    assert sum(1 for r in csv_rows(tmp_path / "out.csv") if r["metric_name"] == "http_reqs") == 2


def test_sigint_with_workers_runs_teardown_once_and_the_export_matches_the_server(
    tmp_path: Path, server: FaultyServer
) -> None:
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{vus: 4, duration: 30s}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
            - sleep: 0.05
          teardown:
            - request: {{url: "{server.base_url}/teardown"}}
        """,
    )
    # --workers has no streaming outputs (they need every sample in one process): the export only
    cmd = loadpy_cmd("run", "-q", "--address", "", "--workers", "2", "--summary-export", "export.json", str(scenario))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=subprocess_env()
    )
    wait_until(lambda: server.count("/ok") >= 40 or proc.poll() is not None, "the run did not get going")
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = _finish(proc, timeout=30)
    assert proc.returncode == 105, stderr
    assert time.monotonic() - started < 5
    assert "Traceback" not in stderr
    assert server.count("/teardown") == 1
    export = json.loads((tmp_path / "export.json").read_text())["metrics"]
    assert export["http_reqs"]["count"] == server.total()
