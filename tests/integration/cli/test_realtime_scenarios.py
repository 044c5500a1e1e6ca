"""The bundled scenarios/graphql.yaml and scenarios/subscriptions.yaml run out of the box with --demo."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.cli.helpers import REPO_ROOT, loadpy_cmd, subprocess_env

pytestmark = pytest.mark.timeout(120)


def run_bundled(tmp_path: Path, name: str) -> dict:
    export = tmp_path / "export.json"
    cmd = loadpy_cmd("run", "-q", "--demo", "--summary-export", str(export), str(REPO_ROOT / "scenarios" / name))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(export.read_text())


@pytest.mark.slow
def test_graphql_scenario(tmp_path: Path) -> None:
    metrics = run_bundled(tmp_path, "graphql.yaml")["metrics"]
    reqs = metrics["http_reqs"]["count"]
    assert reqs > 0 and reqs % 2 == 0  # a query and a mutation per iteration
    assert metrics["iterations"]["count"] == reqs / 2
    # per iteration: User 4 standard + 2 paths + 1 user check, Post 4 standard + 1 path
    assert (metrics["checks"]["passes"], metrics["checks"]["fails"]) == (6 * reqs, 0)
    assert metrics["http_req_failed"]["passes"] == 0
    assert metrics["http_req_duration{operation:User}"]["thresholds"] == {"p(95)<300": False}


@pytest.mark.slow
def test_subscriptions_scenario(tmp_path: Path) -> None:
    metrics = run_bundled(tmp_path, "subscriptions.yaml")["metrics"]
    assert metrics["iterations"]["count"] == 12
    assert (metrics["checks"]["passes"], metrics["checks"]["fails"]) == (36, 0)
    assert metrics["ws_sessions"]["count"] == 36
    assert metrics["graphql_subscription_events"]["count"] == 72
    # ws 2 + graphql-transport-ws 3 (init, subscribe, complete) + graphql-ws 4 (+ connection_terminate)
    assert metrics["ws_msgs_sent"]["count"] == 12 * 9
    # echoes 2, and per subscription at least ack + 3 events (the server's complete may race the close)
    assert 12 * 10 <= metrics["ws_msgs_received"]["count"] <= 12 * 12
    assert metrics["data_sent"]["count"] > 0 and metrics["data_received"]["count"] > 0
