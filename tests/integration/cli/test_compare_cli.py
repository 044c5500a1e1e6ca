"""`loadpy compare` on real runs: a k6 export against a loadpy export of the same workload (no regression),
then a slower run against the baseline (exit 99, the regressed statistic named), markdown for CI comments."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import loadpy_cmd, run_loadpy, subprocess_env, write_scenario

SCENARIO = """
options: {{vus: 2, iterations: 40}}
flows:
  default:
    - request: {{url: "{url}"}}
"""

K6_SCRIPT = """
import http from 'k6/http';
export const options = {{vus: 2, iterations: 40}};
export default function () {{ http.get('{url}'); }}
"""


def compare(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        loadpy_cmd("compare", *args), capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=tmp_path
    )


def export_of(tmp_path: Path, name: str, url: str) -> Path:
    out = run_loadpy(tmp_path, write_scenario(tmp_path, SCENARIO.format(url=url), f"{name}.yaml"))
    assert out.code == 0, out.stderr
    path = tmp_path / f"{name}.json"
    (tmp_path / "export.json").rename(path)
    return path


@pytest.mark.slow
def test_slower_run_is_a_regression(tmp_path: Path, demo_server: DemoServer) -> None:
    fast = export_of(tmp_path, "fast", f"{demo_server.base_url}/")
    slow = export_of(tmp_path, "slow", f"{demo_server.base_url}/delay/60")
    same = compare(tmp_path, str(fast), str(fast), "--gate", "http_req_duration:p(95):+10%")
    assert same.returncode == 0, same.stdout + same.stderr
    assert same.stdout.rstrip().endswith("no regression")
    worse = compare(tmp_path, str(fast), str(slow), "--gate", "http_req_duration:p(95):+10%", "--format", "markdown")
    assert worse.returncode == 99, worse.stdout + worse.stderr
    assert "| http_req_duration | p(95) |" in worse.stdout
    assert "❌ 1 regression: http_req_duration p(95) (regressed" in worse.stdout
    # the default gates include throughput: 40 iterations at 60 ms each are far slower
    default = compare(tmp_path, str(fast), str(slow))
    assert default.returncode == 99
    assert "http_reqs rate (regressed" in default.stdout.splitlines()[-1]
    assert compare(tmp_path, str(fast), str(slow), "--no-gates").returncode == 0


def test_bad_file_is_exit_104_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[]")
    proc = compare(tmp_path, "a.json", "missing.json")
    assert proc.returncode == 104
    assert "Traceback" not in proc.stderr and "a.json" in proc.stderr


@pytest.mark.k6
def test_k6_export_compares_with_loadpy_export(tmp_path: Path, demo_server: DemoServer) -> None:
    if shutil.which("k6") is None:
        if os.environ.get("CI"):
            pytest.fail("k6 is not installed")
        pytest.skip("k6 is not installed")
    url = f"{demo_server.base_url}/"
    ours = export_of(tmp_path, "loadpy", url)
    script = tmp_path / "k6.js"
    script.write_text(K6_SCRIPT.format(url=url))
    k6_export = tmp_path / "k6.json"
    proc = subprocess.run(
        ["k6", "run", "-q", "--address", "", "--summary-export", str(k6_export), str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "K6_NO_USAGE_REPORT": "true"},
    )
    assert proc.returncode == 0, proc.stderr
    result = compare(tmp_path, str(k6_export), str(ours), "--all", "--no-gates", "--format", "json")
    assert result.returncode == 0, result.stderr
    import json

    rows = {(r["metric"], r["stat"]): r for r in json.loads(result.stdout)["rows"]}
    assert rows[("http_reqs", "count")]["base"] == rows[("http_reqs", "count")]["new"] == 40
    assert rows[("iterations", "count")]["base"] == rows[("iterations", "count")]["new"] == 40
    assert rows[("http_req_failed", "rate")]["base"] == rows[("http_req_failed", "rate")]["new"] == 0
