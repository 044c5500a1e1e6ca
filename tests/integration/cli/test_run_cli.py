"""`loadpy run` end to end against the embedded demo target: counts the server saw, the export
a CI job reads, exit codes, and the error paragraph a user sees."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.cli.helpers import loadpy_cmd, metric, run_loadpy, subprocess_env, wait_until, write_scenario


def server_total(server) -> int:  # type: ignore[no-untyped-def]
    return int(server.stats()["total"])


def test_per_vu_iterations_makes_exactly_the_requests_it_reports(tmp_path: Path, demo_server) -> None:  # type: ignore[no-untyped-def]
    demo_server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            main: {{executor: per-vu-iterations, vus: 3, iterations: 4}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/json", name: item}}
              checks:
                status is 200: status == 200
                has name: json["name"] is not None
        """,
    )
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert server_total(demo_server) == 12
    assert out.export is not None
    assert metric(out.export, "iterations", "count") == 12
    assert metric(out.export, "http_reqs", "count") == 12
    assert metric(out.export, "checks", "passes") == 24
    assert metric(out.export, "checks", "fails") == 0
    assert metric(out.export, "http_req_failed", "value") == 0
    checks = out.export["root_group"]["checks"]
    assert set(checks) == {"status is 200", "has name"}
    assert checks["status is 200"]["path"] == "::status is 200"


def test_failing_threshold_exits_99_and_marks_it_failed(tmp_path: Path, demo_server) -> None:  # type: ignore[no-untyped-def]
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          iterations: 3
          thresholds:
            http_req_duration: ["p(95)<5", "avg<10000"]
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/delay/30"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 99, out.stderr
    assert out.export is not None
    assert out.export["metrics"]["http_req_duration"]["thresholds"] == {"p(95)<5": True, "avg<10000": False}
    assert "thresholds on metrics 'http_req_duration' have been crossed" in out.stderr


def test_bad_yaml_is_one_paragraph_exit_104_and_no_request(tmp_path: Path, demo_server) -> None:  # type: ignore[no-untyped-def]
    demo_server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            main: {{executor: constant-arrival-rate, rate: 10, duration: 1s, preAllocatedVU: 2}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 104
    assert "Traceback" not in out.stderr
    assert "scenario.yaml" in out.stderr
    assert "line 3" in out.stderr
    assert "preAllocatedVUs" in out.stderr  # the did-you-mean hint
    assert server_total(demo_server) == 0
    assert out.export is None


def test_closed_port_is_recorded_as_failed_requests_not_a_crash(tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path,
        """
        options: {iterations: 2}
        flows:
          default:
            - request: {url: "http://127.0.0.1:1/"}
        """,
    )
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert out.export is not None
    assert metric(out.export, "http_req_failed", "value") == 1
    assert metric(out.export, "http_reqs", "count") == 2


@pytest.mark.slow
def test_sigint_exits_105_with_a_complete_export(tmp_path: Path, demo_server) -> None:  # type: ignore[no-untyped-def]
    demo_server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{vus: 2, duration: 30s}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/"}}
            - sleep: 0.1
        """,
    )
    export = tmp_path / "export.json"
    cmd = loadpy_cmd("run", "-q", "--address", "", "--summary-export", str(export), str(scenario))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=subprocess_env()
    )
    wait_until(lambda: server_total(demo_server) > 0, "no request reached the target")
    time.sleep(0.5)  # well into the run
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 105, stderr
    assert time.monotonic() - started < 5
    assert "Traceback" not in stderr
    data = json.loads(export.read_text())
    assert data["metrics"]["http_reqs"]["count"] == server_total(demo_server) > 0


def test_inspect_version_and_new(tmp_path: Path) -> None:
    version = subprocess.run(loadpy_cmd("version"), capture_output=True, text=True, timeout=30, env=subprocess_env())
    assert version.returncode == 0 and version.stdout.startswith("loadpy v")
    target = tmp_path / "smoke.yaml"
    made = subprocess.run(
        loadpy_cmd("new", "--type", "smoke", str(target)),
        capture_output=True,
        text=True,
        timeout=30,
        env=subprocess_env(),
    )
    assert made.returncode == 0, made.stderr
    shown = subprocess.run(
        loadpy_cmd("inspect", str(target)), capture_output=True, text=True, timeout=30, env=subprocess_env()
    )
    assert shown.returncode == 0, shown.stderr
    resolved = json.loads(shown.stdout)
    assert resolved["scenarios"], resolved
