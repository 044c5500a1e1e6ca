"""The HTML report through the real CLI: `loadpy run --report r.html`, and `--report results.json`
then `loadpy report results.json -o r2.html`; both pages opened in headless Chromium, their
charts drawn, a screenshot of each kept in the test's tmp dir."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.browser import chromium_or_skip, headless
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env

CHART_IDS = ("chart-rate", "chart-vus", "chart-latency", "chart-errors")

SCENARIO = """
options:
  thresholds:
    http_req_duration: ["p(95)<5000"]
    http_req_failed: ["rate<0.01"]
  scenarios:
    browse: {executor: constant-vus, vus: 2, duration: 2500ms}
flows:
  default:
    - request: {url: "${BASE}/", name: "<i>home</i>"}
      checks:
        status is 200: status == 200
    - request: {url: "${BASE}/status/500", name: broken}
    - sleep: 0.05
"""


def loadpy(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(loadpy_cmd(*args), capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def run_with_report(tmp: Path, demo: DemoServer, report: Path) -> None:
    scenario = tmp / "scenario.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO).lstrip())
    proc = loadpy(
        tmp, "run", "-q", "--address", "", "-e", f"BASE={demo.base_url}", "--report", str(report), str(scenario)
    )
    assert proc.returncode == 99, proc.stderr[-2000:]  # http_req_failed: half the requests fail


def check_in_chromium(tmp: Path, page: Path) -> None:
    chromium = chromium_or_skip()
    dom = headless(chromium, tmp, "--dump-dom", page.as_uri()).stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    assert 'data-rendered="true"' in body.group(0)
    assert 'data-charts="4"' in body.group(0)
    for chart_id in CHART_IDS:
        svg = re.search(rf'<svg [^>]*data-chart="{chart_id}"[^>]*>(.*?)</svg>', dom, re.DOTALL)
        assert svg is not None, chart_id
        assert 'data-rendered="true"' in svg.group(0), chart_id
        assert re.findall(r'<path class="series"[^>]* d="(M[^"]*L[^"]*)"', svg.group(1)), f"{chart_id}: no line"
    assert "&lt;i&gt;home&lt;/i&gt;" in dom and "<i>home</i>" not in dom  # the name tag, escaped
    assert "broken" in dom and "browse" in dom and "status is 200" in dom
    assert "rate&lt;0.01" in dom and "FAIL" in dom and "PASS" in dom
    failures = dom[dom.index('<section id="failures">') :]
    assert re.search(r'<td class="n">500</td><td class="n">1500</td><td class="k">GET broken</td>', failures)

    shot = page.with_suffix(".png")
    headless(chromium, tmp, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1280, 2000)
    assert len(png) > 30_000  # a blank page compresses to a few kB; charts and tables do not
    print(f"report screenshot: {shot}")


@pytest.mark.slow
def test_run_report_html_renders_in_chromium(tmp_path: Path, demo_server: DemoServer) -> None:
    page = tmp_path / "r.html"
    run_with_report(tmp_path, demo_server, page)
    html = page.read_text(encoding="utf-8")
    # Self-contained: no script, style sheet or image fetched from anywhere.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)
    check_in_chromium(tmp_path, page)


@pytest.mark.slow
def test_saved_results_rebuild_the_report(tmp_path: Path, demo_server: DemoServer) -> None:
    results = tmp_path / "results.json"
    run_with_report(tmp_path, demo_server, results)
    data = json.loads(results.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data  # the saved data, not a page
    page = tmp_path / "r2.html"
    proc = loadpy(tmp_path, "report", str(results), "-o", str(page))
    assert proc.returncode == 0, proc.stderr
    check_in_chromium(tmp_path, page)
    # An earlier report is a valid source too.
    again = tmp_path / "r3.html"
    assert loadpy(tmp_path, "report", str(page), "-o", str(again)).returncode == 0
    assert again.read_text(encoding="utf-8") == page.read_text(encoding="utf-8")


def test_report_command_refuses_an_unwritable_output(tmp_path: Path) -> None:
    """`loadpy report -o` into a missing directory: one paragraph, exit 104; a full device: 255, no traceback."""
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"format": "loadpy-report/1", "meta": {}, "metrics": {}}), encoding="utf-8")
    missing = tmp_path / "missing" / "r.html"
    proc = loadpy(tmp_path, "report", str(results), "-o", str(missing))
    assert proc.returncode == 104, proc.stderr
    assert proc.stderr == (
        f"loadpy: error: command line, key '--output': can't write {missing}: "
        f"the directory {missing.parent} does not exist\n"
    )
    full = tmp_path / "full.html"
    full.symlink_to("/dev/full")  # a link: never hand /dev/full itself to a writer that might rename over it
    proc = loadpy(tmp_path, "report", str(results), "-o", str(full))
    assert proc.returncode == 255, proc.stderr
    assert proc.stderr == f"loadpy: error: could not write the report {full}: No space left on device\n"
    assert full.is_symlink()
