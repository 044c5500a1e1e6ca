"""Every bundled HTTP scenario runs out of the box against the demo target (README's first command),
passes its thresholds and fails no check. (graphql/subscriptions: test_realtime_scenarios.py.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import REPO_ROOT, metric, run_loadpy


@pytest.mark.slow
@pytest.mark.parametrize("name", ["load.yaml", "smoke.yaml", "arrival.yaml", "smoke.js"])
def test_bundled_scenario_passes_against_the_demo_target(tmp_path: Path, name: str) -> None:
    out = run_loadpy(tmp_path, REPO_ROOT / "scenarios" / name, "--demo", timeout=120)
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert out.export is not None
    assert metric(out.export, "http_reqs", "count") > 0
    assert metric(out.export, "checks", "fails") == 0
    assert metric(out.export, "http_req_failed", "passes") == 0
    for name_, values in out.export["metrics"].items():
        for source, failed in values.get("thresholds", {}).items():
            assert failed is False, f"{name_}: {source}"


@pytest.mark.k6
@pytest.mark.slow
def test_bundled_k6_script_gives_k6s_counts(tmp_path: Path, demo_server: DemoServer) -> None:
    """scenarios/smoke.js is a plain k6 script: the real k6 and loadpy run it unchanged, with equal figures."""
    if shutil.which("k6") is None:
        if os.environ.get("CI"):
            pytest.fail("k6 is not installed")
        pytest.skip("k6 is not installed")
    script = REPO_ROOT / "scenarios" / "smoke.js"
    k6_export = tmp_path / "k6.json"
    k6 = subprocess.run(
        ["k6", "run", "-q", "--address", "", "-e", f"BASE_URL={demo_server.base_url}", "--summary-export",
         str(k6_export), str(script)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "K6_NO_USAGE_REPORT": "true"},
    )  # fmt: skip
    assert k6.returncode == 0, k6.stderr
    ours = run_loadpy(tmp_path, script, "-e", f"BASE_URL={demo_server.base_url}", timeout=120)
    assert ours.code == 0, ours.stderr
    theirs = json.loads(k6_export.read_text())
    assert ours.export is not None
    for name, key in [("http_reqs", "count"), ("iterations", "count"), ("logins", "count"), ("checks", "passes")]:
        assert metric(ours.export, name, key) == theirs["metrics"][name][key], name
    assert metric(ours.export, "checks", "fails") == theirs["metrics"]["checks"]["fails"] == 0
    assert sorted(ours.export["metrics"]) == sorted(theirs["metrics"])
    assert ours.export["root_group"] == theirs["root_group"]
