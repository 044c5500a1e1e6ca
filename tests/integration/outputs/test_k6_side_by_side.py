"""`--out json=` and `--out csv=` side by side with the real k6 v1.1.0 on the same run against
the demo target: Point counts agree with each tool's own summary, tag keys and Metric lines
are k6's, the CSV header is k6's, and an interrupted (SIGINT) run leaves only whole lines."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env

pytestmark = pytest.mark.k6

SCRIPT_JS = """
import http from 'k6/http';
import { check } from 'k6';
export const options = {
  vus: 2, iterations: 6,
  thresholds: { http_req_duration: ['p(95)<1000'], 'http_req_duration{name:home}': ['max<2000'] },
};
export default function () {
  const r = http.get(`${__ENV.BASE}/`, { tags: { name: 'home' } });
  check(r, { 'status is 200': (r) => r.status === 200 });
  http.get(`${__ENV.BASE}/redirect/1`);
}
"""

SCENARIO_YAML = """
options:
  vus: 2
  iterations: 6
  thresholds:
    http_req_duration: ["p(95)<1000"]
    "http_req_duration{name:home}": ["max<2000"]
flows:
  default:
    - request: {url: "${BASE}/", name: home}
      checks:
        status is 200: status == 200
    - request: {url: "${BASE}/redirect/1"}
"""

# An open-ended run for the interruption case: stopped by SIGINT, never by its own end.
ENDLESS_JS = """
import http from 'k6/http';
export const options = { vus: 3, duration: '60s' };
export default function () { http.get(`${__ENV.BASE}/`); }
"""

ENDLESS_YAML = """
options: {vus: 3, duration: 60s}
flows:
  default:
    - request: {url: "${BASE}/"}
"""


def k6_bin() -> str:
    path = shutil.which("k6")
    assert path is not None, "k6 v1.1.0 must be installed for the differential tests"
    return path


def command(tool: str, tmp: Path, base: str, *extra: str) -> list[str]:
    flags = ["--address", "", "-q", "-e", f"BASE={base}", *extra]
    if tool == "k6":
        return [k6_bin(), "run", "--no-color", *flags, str(tmp / "script.js")]
    return loadpy_cmd("run", *flags, str(tmp / "scenario.yaml"))


def write_scripts(tmp: Path, js: str, yaml: str) -> None:
    (tmp / "script.js").write_text(textwrap.dedent(js))
    (tmp / "scenario.yaml").write_text(textwrap.dedent(yaml).lstrip())


def run_tool(tool: str, tmp: Path, base: str) -> dict[str, Any]:
    out = tmp / tool
    out.mkdir()
    cmd = command(
        tool,
        tmp,
        base,
        "--summary-export",
        str(out / "export.json"),
        "--out",
        f"json={out / 'out.json'}",
        "--out",
        f"csv={out / 'out.csv'}",
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp)
    assert proc.returncode == 0, f"{tool}: {proc.stderr[-2000:]}"
    return {
        "export": json.loads((out / "export.json").read_text()),
        "json": [json.loads(line) for line in (out / "out.json").read_text().splitlines()],
        "csv": (out / "out.csv").read_text().splitlines(),
    }


def tag_keys(lines: list[dict[str, Any]]) -> dict[str, set[tuple[str, ...]]]:
    keys: dict[str, set[tuple[str, ...]]] = {}
    for line in lines:
        if line["type"] == "Point":
            keys.setdefault(line["metric"], set()).add(tuple(sorted(line["data"]["tags"])))
    return keys


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, demo_server: DemoServer) -> dict[str, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("side-by-side")
    write_scripts(tmp, SCRIPT_JS, SCENARIO_YAML)
    return {tool: run_tool(tool, tmp, demo_server.base_url) for tool in ("k6", "loadpy")}


def test_json_http_reqs_points_equal_the_summary_count(both: dict[str, dict[str, Any]]) -> None:
    for tool, run in both.items():
        points = [line for line in run["json"] if line["type"] == "Point" and line["metric"] == "http_reqs"]
        # 6 iterations x (home + redirect hop + its target) = 18 requests.
        assert len(points) == run["export"]["metrics"]["http_reqs"]["count"] == 18, tool
        assert {p["data"]["value"] for p in points} == {1}, tool


def test_json_tag_keys_equal_k6s(both: dict[str, dict[str, Any]]) -> None:
    k6, ours = tag_keys(both["k6"]["json"]), tag_keys(both["loadpy"]["json"])
    assert (
        ours["http_req_duration"]
        == k6["http_req_duration"]
        == {("expected_response", "group", "method", "name", "proto", "scenario", "status", "url")}
    )
    assert ours == k6


def test_json_metric_lines_equal_k6s(both: dict[str, dict[str, Any]]) -> None:
    def metric_lines(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {line["metric"]: line for line in run["json"] if line["type"] == "Metric"}

    k6, ours = metric_lines(both["k6"]), metric_lines(both["loadpy"])
    assert set(ours) == set(k6)
    assert ours == k6
    # The submetric's threshold stays on the submetric: the parent lists only its own.
    assert ours["http_req_duration"]["data"]["thresholds"] == ["p(95)<1000"]
    points = [line for line in both["loadpy"]["json"] if line["type"] == "Point"]
    assert {tuple(p["data"]) for p in points} == {("time", "value", "tags")}
    assert {tuple(p) for p in points} == {("metric", "type", "data")}


def test_csv_header_equals_k6s_and_rows_match_the_summary(both: dict[str, dict[str, Any]]) -> None:
    assert both["loadpy"]["csv"][0] == both["k6"]["csv"][0]
    for tool, run in both.items():
        rows = list(csv.reader(run["csv"]))
        width = len(rows[0])
        assert all(len(row) == width for row in rows), tool
        http_reqs = [row for row in rows if row[0] == "http_reqs"]
        assert len(http_reqs) == run["export"]["metrics"]["http_reqs"]["count"] == 18, tool


def test_interrupted_run_leaves_whole_lines(tmp_path: Path, demo_server: DemoServer) -> None:
    write_scripts(tmp_path, ENDLESS_JS, ENDLESS_YAML)
    for tool in ("k6", "loadpy"):
        json_out, csv_out = tmp_path / f"{tool}.json", tmp_path / f"{tool}.csv"
        export = tmp_path / f"{tool}-export.json"
        cmd = command(
            tool,
            tmp_path,
            demo_server.base_url,
            "--summary-export",
            str(export),
            "--out",
            f"json={json_out}",
            "--out",
            f"csv={csv_out}",
        )
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(), cwd=tmp_path
        )
        try:
            deadline = time.monotonic() + 30
            # Interrupt mid-run: once samples are streaming (a few flushes in).
            while time.monotonic() < deadline and (not json_out.exists() or json_out.stat().st_size < 20_000):
                time.sleep(0.1)
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=40)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert "Traceback" not in stderr, f"{tool}: {stderr[-2000:]}"
        text = json_out.read_text()
        assert text.endswith("\n"), tool
        lines = [json.loads(line) for line in text.splitlines()]
        count = json.loads(export.read_text())["metrics"]["http_reqs"]["count"]
        assert count > 10, tool
        # Every request the summary counted reached both files, then the files were closed.
        assert sum(line["metric"] == "http_reqs" and line["type"] == "Point" for line in lines) == count, tool
        rows = list(csv.reader(csv_out.read_text().splitlines()))
        assert rows[0][0] == "metric_name" and all(len(row) == len(rows[0]) for row in rows), tool
        assert sum(row[0] == "http_reqs" for row in rows) == count, tool
