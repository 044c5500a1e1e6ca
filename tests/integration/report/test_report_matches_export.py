"""One run through the real CLI with both `--summary-export` and `--report results.json`: the report's
checks, thresholds and metric values are the export's (both are read from the one summary model), with
the exact counts the scenario makes, and `loadpy report` renders the saved results."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env

SCENARIO = """
options:
  thresholds:
    http_req_duration: ["p(95)<5000", "max<0"]
    "http_reqs{name:broken}": ["count==4"]
    http_req_failed: ["rate<0.01"]
    checks: ["rate>0.4"]
  scenarios:
    shop: {executor: shared-iterations, vus: 2, iterations: 4, maxDuration: 30s}
flows:
  default:
    - group: buy
      steps:
        - request: {url: "${BASE}/", name: home}
          checks: {status is 200: status == 200}
    - request: {url: "${BASE}/status/500", name: broken}
      checks: {status is 200: status == 200}
"""


def export_checks(group: dict[str, Any]) -> list[dict[str, Any]]:
    """The export's group tree, depth first, a group's own checks before its subgroups'."""
    own = [{k: c[k] for k in ("path", "name", "passes", "fails")} for c in group["checks"].values()]
    return own + [check for child in group["groups"].values() for check in export_checks(child)]


@pytest.mark.slow
def test_report_holds_the_exports_checks_thresholds_and_values(tmp_path: Path, demo_server: DemoServer) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO).lstrip(), encoding="utf-8")
    export_file, results_file = tmp_path / "export.json", tmp_path / "results.json"
    args = ("run", "-q", "--address", "", "-e", f"BASE={demo_server.base_url}", "--summary-export", str(export_file))
    cmd = loadpy_cmd(*args, "--report", str(results_file), str(scenario))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 99, proc.stderr[-2000:]  # max<0 and rate<0.01 are crossed
    export = json.loads(export_file.read_text(encoding="utf-8"))
    report = json.loads(results_file.read_text(encoding="utf-8"))

    assert report["metrics"] == export["metrics"]
    assert report["metrics"]["http_reqs"]["count"] == 8
    assert (
        report["checks"]
        == export_checks(export["root_group"])
        == [
            {"path": "::status is 200", "name": "status is 200", "passes": 0, "fails": 4},
            {"path": "::buy::status is 200", "name": "status is 200", "passes": 4, "fails": 0},
        ]
    )
    verdicts = {(t["metric"], t["source"]): t["ok"] for t in report["thresholds"]}
    exported = {
        (metric, source): not failed
        for metric, entry in export["metrics"].items()
        for source, failed in entry.get("thresholds", {}).items()
    }
    assert (
        verdicts
        == exported
        == {
            ("http_req_duration", "p(95)<5000"): True,
            ("http_req_duration", "max<0"): False,
            ("http_reqs{name:broken}", "count==4"): True,
            ("http_req_failed", "rate<0.01"): False,
            ("checks", "rate>0.4"): True,
        }
    )
    observed = {(t["metric"], t["source"]): t["observed"] for t in report["thresholds"]}
    assert observed[("http_req_failed", "rate<0.01")] == export["metrics"]["http_req_failed"]["value"] == 0.5
    assert observed[("http_req_duration", "max<0")] == export["metrics"]["http_req_duration"]["max"]
    assert observed[("http_reqs{name:broken}", "count==4")] == 4

    page = tmp_path / "report.html"
    rendered = subprocess.run(
        loadpy_cmd("report", str(results_file), "-o", str(page)),
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(),
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    html = page.read_text(encoding="utf-8")
    assert "::buy::status is 200" in html and "max&lt;0" in html
