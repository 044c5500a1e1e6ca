"""Side by side with the real k6 (k6/ws and k6/http driving the same protocol messages by hand):
the issue's "done when" counts must agree. Both tools run as subprocesses against one demo target."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env

pytestmark = [pytest.mark.k6, pytest.mark.timeout(120)]

WS_ECHO_JS = """
import ws from 'k6/ws'; import { check } from 'k6';
export const options = { scenarios: { default: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } } };
export default function () {
  const got = [];
  ws.connect(`${__ENV.WS}/ws`, {}, function (socket) {
    socket.on('open', () => { socket.send('hello'); socket.send('world'); });
    socket.on('message', (m) => { got.push(m); if (got.length === 2) socket.close(); });
    socket.setTimeout(() => socket.close(), 5000);
  });
  check(got, { echoed: (g) => g.length === 2 && g[0] === 'hello' && g[1] === 'world' });
}
"""
WS_ECHO_YAML = """
options:
  scenarios:
    default: {executor: per-vu-iterations, vus: 2, iterations: 3}
flows:
  default:
    - ws:
        url: "${WS}/ws"
        send: [hello, world]
        receive: 2
        timeout: 5s
      checks:
        echoed: messages == ["hello", "world"]
"""

GRAPHQL_JS = """
import http from 'k6/http'; import { check } from 'k6';
export const options = { iterations: 5 };
export default function () {
  for (const query of ['query Hello { hello }', 'query Boom { boom }']) {
    const r = http.post(`${__ENV.BASE}/graphql`, JSON.stringify({ query }),
                        { headers: { 'Content-Type': 'application/json' } });
    check(r, { 'no errors': (r) => !('errors' in r.json()) });
  }
}
"""
GRAPHQL_YAML = """
options: {iterations: 5}
flows:
  default:
    - graphql: {url: "${BASE}/graphql", query: "query Hello { hello }"}
      checks: {no errors: "'errors' not in json"}
    - graphql: {url: "${BASE}/graphql", query: "query Boom { boom }"}
      checks: {no errors: "'errors' not in json"}
"""

SUBSCRIPTION_JS = """
import ws from 'k6/ws'; import { check } from 'k6';
export const options = { scenarios: { default: { executor: 'per-vu-iterations', vus: 4, iterations: 1 } } };
const send = (s, m) => s.send(JSON.stringify(m));
export default function () {
  const events = [];
  ws.connect(`${__ENV.WS}/graphql`, { headers: { 'Sec-WebSocket-Protocol': 'graphql-transport-ws' } }, (socket) => {
    socket.on('open', () => send(socket, { type: 'connection_init', payload: {} }));
    socket.on('message', (raw) => {
      const m = JSON.parse(raw);
      if (m.type === 'connection_ack') {
        const query = 'subscription { tick(count: 3, interval: 10) }';
        send(socket, { id: '1', type: 'subscribe', payload: { query } });
      } else if (m.type === 'next') {
        events.push(m.payload);
        if (events.length === 3) { send(socket, { id: '1', type: 'complete' }); socket.close(); }
      }
    });
    socket.setTimeout(() => socket.close(), 5000);
  });
  check(events, { 'three events': (e) => e.length === 3 });
}
"""
SUBSCRIPTION_YAML = """
options:
  scenarios:
    default: {executor: per-vu-iterations, vus: 4, iterations: 1}
flows:
  default:
    - subscription:
        url: "${WS}/graphql"
        protocol: graphql-transport-ws
        query: "subscription { tick(count: 3, interval: 10) }"
        take: 3
        timeout: 5s
      checks:
        three events: len(events) == 3
"""


def run_both(tmp_path: Path, demo: DemoServer, js: str, yaml: str) -> tuple[dict[str, Any], dict[str, Any]]:
    env = {"WS": demo.ws_url, "BASE": demo.base_url}
    flags = [arg for k, v in env.items() for arg in ("-e", f"{k}={v}")]
    (tmp_path / "script.js").write_text(textwrap.dedent(js))
    (tmp_path / "scenario.yaml").write_text(textwrap.dedent(yaml).lstrip())
    k6 = shutil.which("k6") or "k6"
    runs = {
        "k6": [
            k6,
            "run",
            "-q",
            "--no-color",
            "--address",
            "",
            "--summary-export",
            str(tmp_path / "k6.json"),
            *flags,
            str(tmp_path / "script.js"),
        ],
        "loadpy": loadpy_cmd(
            "run",
            "-q",
            "--address",
            "",
            "--summary-export",
            str(tmp_path / "loadpy.json"),
            *flags,
            str(tmp_path / "scenario.yaml"),
        ),
    }
    out = {}
    for tool, cmd in runs.items():
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp_path)
        assert proc.returncode == 0, f"{tool}: {proc.stderr[-2000:]}"
        out[tool] = json.loads((tmp_path / f"{tool}.json").read_text())["metrics"]
    return out["k6"], out["loadpy"]


def pick(metrics: dict[str, Any], names: dict[str, str]) -> dict[str, float]:
    return {f"{name}.{key}": metrics[name][key] for name, key in names.items()}


def test_ws_echo_counts_match_k6(tmp_path: Path, demo_server: DemoServer) -> None:
    k6, ours = run_both(tmp_path, demo_server, WS_ECHO_JS, WS_ECHO_YAML)
    wanted = {"ws_sessions": "count", "ws_msgs_sent": "count", "ws_msgs_received": "count", "iterations": "count"}
    expected = {"ws_sessions.count": 6, "ws_msgs_sent.count": 12, "ws_msgs_received.count": 12, "iterations.count": 6}
    assert pick(k6, wanted) == expected
    assert pick(ours, wanted) == expected
    assert (
        (k6["checks"]["passes"], k6["checks"]["fails"]) == (ours["checks"]["passes"], ours["checks"]["fails"]) == (6, 0)
    )


def test_graphql_checks_match_k6(tmp_path: Path, demo_server: DemoServer) -> None:
    k6, ours = run_both(tmp_path, demo_server, GRAPHQL_JS, GRAPHQL_YAML)
    for metrics in (k6, ours):
        assert (metrics["checks"]["passes"], metrics["checks"]["fails"]) == (5, 5)
        assert (metrics["http_reqs"]["count"], metrics["http_req_failed"]["passes"]) == (10, 0)


def test_graphql_transport_ws_subscriptions_match_k6(tmp_path: Path, demo_server: DemoServer) -> None:
    k6, ours = run_both(tmp_path, demo_server, SUBSCRIPTION_JS, SUBSCRIPTION_YAML)
    for metrics in (k6, ours):
        assert metrics["ws_sessions"]["count"] == 4
        assert metrics["ws_msgs_sent"]["count"] == 12  # connection_init, subscribe, complete
        assert (metrics["checks"]["passes"], metrics["checks"]["fails"]) == (4, 0)
