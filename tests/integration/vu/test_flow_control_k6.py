"""Side by side with the real k6: a flow with a check on a captured value, if/else, a repeat, a
for_each in a group and next_row() against k6's `data[exec.scenario.iterationInTest % data.length]`.
Requests served per path, checks and the group tree must be the same."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env

pytestmark = [pytest.mark.k6, pytest.mark.timeout(120)]

K6_SCRIPT = """
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';

const users = new SharedArray('users', () => [
  { id: '1', name: 'ann' }, { id: '2', name: 'bob' }, { id: '3', name: 'cid' }, { id: '4', name: 'dee' },
]);
export const options = {
  scenarios: { rows: { executor: 'shared-iterations', vus: 3, iterations: 12, maxDuration: '30s' } },
};

export default function () {
  const user = users[exec.scenario.iterationInTest % users.length];
  const got = http.get(`${__ENV.BASE}/items/${user.id}-${user.name}`).json();
  check(got, { 'row echoed': (g) => g.id === `${user.id}-${user.name}`, 'is ann': (g) => g.id === '1-ann' });
  if (exec.scenario.iterationInTest % 3 === 0) {
    http.get(`${__ENV.BASE}/status/201`);
  } else {
    http.get(`${__ENV.BASE}/status/202`);
  }
  for (let i = 0; i < 2; i++) {
    http.get(`${__ENV.BASE}/status/200`);
  }
  group('shop', () => {
    for (const product of [1, 2, 3]) {
      http.get(`${__ENV.BASE}/items/${product}0`);
      check(product, { 'has product': (p) => p > 0 });
    }
  });
}
"""

LOADPY_SCENARIO = """
options:
  scenarios:
    rows: {executor: shared-iterations, vus: 3, iterations: 12, maxDuration: 30s}
data:
  users: [{id: "1", name: ann}, {id: "2", name: bob}, {id: "3", name: cid}, {id: "4", name: dee}]
flows:
  default:
    - request: "${BASE}/items/{{ next_row(users).id }}-{{ next_row(users).name }}"
      capture: {got: json}
    - check:
        row echoed: got["id"] == next_row(users).id + "-" + next_row(users).name
        is ann: got["id"] == "1-ann"
    - if: iter_in_test % 3 == 0
      then: [{request: "${BASE}/status/201"}]
      else: [{request: "${BASE}/status/202"}]
    - repeat: 2
      steps: [{request: "${BASE}/status/200"}]
    - group: shop
      steps:
        - for_each: "[1, 2, 3]"
          as: product
          steps:
            - request: "${BASE}/items/{{ product }}0"
            - check: {has product: product > 0}
"""


def run_tool(tmp_path: Path, demo: DemoServer, tool: str) -> tuple[dict[str, Any], dict[str, int]]:
    """One tool's run: its --summary-export and the requests the target served per path."""
    demo.reset()
    export = tmp_path / f"{tool}.json"
    if tool == "k6":
        script = tmp_path / "script.js"
        script.write_text(K6_SCRIPT)
        cmd = [shutil.which("k6") or "k6", "run", "-q", "--no-color"]
    else:
        script = tmp_path / "scenario.yaml"
        script.write_text(LOADPY_SCENARIO.lstrip())
        cmd = loadpy_cmd("run", "-q")
    cmd += ["--address", "", "--summary-export", str(export), "-e", f"BASE={demo.base_url}", str(script)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp_path)
    assert proc.returncode == 0, f"{tool}: {proc.stderr[-2000:]}"
    return json.loads(export.read_text()), dict(demo.stats()["paths"])


def test_control_steps_and_next_row_match_k6(tmp_path: Path, demo_server: DemoServer) -> None:
    k6, k6_paths = run_tool(tmp_path, demo_server, "k6")
    ours, our_paths = run_tool(tmp_path, demo_server, "loadpy")
    expected_paths = {
        "/items/1-ann": 3,
        "/items/2-bob": 3,
        "/items/3-cid": 3,
        "/items/4-dee": 3,
        "/status/201": 4,
        "/status/202": 8,
        "/status/200": 24,
        "/items/10": 12,
        "/items/20": 12,
        "/items/30": 12,
    }
    assert k6_paths == expected_paths
    assert our_paths == expected_paths
    for export in (k6, ours):
        assert (export["metrics"]["checks"]["passes"], export["metrics"]["checks"]["fails"]) == (12 + 3 + 36, 9)
    assert ours["root_group"] == k6["root_group"]  # names, paths, ids, passes and fails of every check
