"""`--workers N` with `--paused` and the REST API, served by the coordinator for all the workers."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, write_scenario
from tests.integration.cli.test_control_commands import free_port

pytestmark = pytest.mark.timeout(120)


def _get(address: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://{address}{path}", timeout=5) as response:
        return dict(json.load(response))


def _patch(address: str, attributes: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"data": {"attributes": attributes}}).encode()
    request = urllib.request.Request(f"http://{address}/v1/status", data=body, method="PATCH")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(json.load(response))
    except urllib.error.HTTPError as exc:
        return exc.code, dict(json.load(exc))


def _status_when(address: str, proc: subprocess.Popen[str], ready: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        try:
            status = _get(address, "/v1/status")["data"]["attributes"]
            if ready(status):
                return status
        except OSError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "the status never came"
        time.sleep(0.1)


def test_paused_workers_start_on_resume_and_the_api_serves_their_sums(tmp_path: Path, demo_server: Any) -> None:
    path = f"/items/{uuid.uuid4().hex}"
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: constant-vus, vus: 4, duration: 3s}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}{path}"}}
            - sleep: 0.1
        """,
    )
    address = f"127.0.0.1:{free_port()}"
    export = tmp_path / "export.json"
    cmd = loadpy_cmd("run", "-q", "--paused", "-a", address, "--workers", "2", "--summary-export", str(export))
    proc = subprocess.Popen(
        [*cmd, str(scenario)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        cwd=tmp_path,
    )
    try:
        paused = _status_when(address, proc, lambda s: s["status"] == 4)
        assert paused == {
            "status": 4,  # k6's PausedBeforeRun: both workers created their VUs, nothing sent
            "paused": True,
            "vus": 0,
            "vus-max": 4,
            "stopped": False,
            "running": False,
            "tainted": False,
        }
        time.sleep(0.5)
        assert demo_server.stats()["paths"].get(path, 0) == 0
        assert _patch(address, {"paused": True}) == (
            500,
            {"errors": [{"status": "500", "title": "Pause error", "detail": "execution is already paused"}]},
        )
        code, resumed = _patch(address, {"paused": False})
        assert code == 200 and resumed["data"]["attributes"]["paused"] is False
        running = _status_when(address, proc, lambda s: s["running"] and s["vus"] == 4)
        assert running["vus-max"] == 4
        metrics = {m["id"] for m in _get(address, "/v1/metrics")["data"]}
        assert "http_reqs" in metrics  # the workers' deltas, merged in the coordinator
        code, refused = _patch(address, {"paused": True})
        assert code == 500
        assert refused["errors"][0]["detail"] == (
            "constant-vus executor 's' doesn't support pause and resume operations after its start"
        )
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    reqs = json.loads(export.read_text())["metrics"]["http_reqs"]["count"]
    assert reqs == demo_server.stats()["paths"][path] > 0


def test_stop_from_the_api_ends_every_worker_with_exit_103(tmp_path: Path, demo_server: Any) -> None:
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: constant-vus, vus: 2, duration: 60s}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/items/{uuid.uuid4().hex}"}}
            - sleep: 0.1
        """,
    )
    address = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen(
        [*loadpy_cmd("run", "-q", "--no-summary", "-a", address, "--workers", "2"), str(scenario)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        cwd=tmp_path,
    )
    started = time.monotonic()
    try:
        _status_when(address, proc, lambda s: s["running"])
        code, body = _patch(address, {"stopped": True})
        assert code == 200 and body["data"]["attributes"]["stopped"] is True
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 103, stderr
    assert "test run stopped from REST API" in stderr
    assert time.monotonic() - started < 40  # far before the scenario's 60 s
