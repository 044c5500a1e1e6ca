"""The live dashboard watched in headless Chromium during a real run against the local demo target:
one page load, the page updates itself from the server's events (more requests each time, the
same document), gets the final numbers when the run ends, and the exported report opens offline."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.browser import chromium_or_skip
from tests.cdp import Page
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, write_scenario

REQUESTS_CARD = "document.querySelector('#card-requests b').textContent"


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip()


def start_run(tmp_path: Path, base_url: str, env: dict[str, str]) -> tuple[subprocess.Popen[str], str, list[str]]:
    """`loadpy run` with the dashboard on a free port; (process, the page's URL, stdout lines)."""
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          vus: 2
          duration: 12s  # headless Chromium may take seconds to start on a busy machine
          thresholds: {{http_req_duration: ["p(95)<5000"]}}
        flows:
          default:
            - request: {{url: "{base_url}/", name: home}}
            - sleep: 0.02
        """,
    )
    cmd = loadpy_cmd("run", "--address", "", "--summary-export", str(tmp_path / "summary.json"), str(scenario))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(env), cwd=tmp_path
    )
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "web dashboard: " in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(30):
        proc.kill()
        pytest.fail(f"no dashboard URL printed: {''.join(lines)} {proc.stderr.read() if proc.stderr else ''}")
    url = next(line for line in lines if "web dashboard: " in line).split("web dashboard: ", 1)[1].strip()
    return proc, url, lines


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def test_live_page_updates_during_the_run_and_the_export_opens_offline(
    chromium: str, tmp_path: Path, demo_server: DemoServer
) -> None:
    export = tmp_path / "dashboard-report.html"
    env = {
        "K6_WEB_DASHBOARD": "true",
        "K6_WEB_DASHBOARD_PORT": "0",
        "K6_WEB_DASHBOARD_PERIOD": "1s",
        "K6_WEB_DASHBOARD_EXPORT": str(export),
    }
    proc, url, lines = start_run(tmp_path, demo_server.base_url, env)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        with Page(chromium, tmp_path, url) as page:
            page.evaluate("window.sameDocument = 'yes'")  # a reload would lose it
            page.wait_for("document.body.dataset.updates >= 1")
            first = int(page.evaluate(REQUESTS_CARD).replace(",", ""))
            shot1 = page.screenshot(tmp_path / "live-1.png")
            page.wait_for(f"document.body.dataset.updates >= {int(page.evaluate('document.body.dataset.updates')) + 2}")
            second = int(page.evaluate(REQUESTS_CARD).replace(",", ""))
            shot2 = page.screenshot(tmp_path / "live-2.png")
            assert second > first > 0
            assert shot1 != shot2 and png_size(shot2) == (1280, 1600)
            assert page.evaluate("window.sameDocument") == "yes"
            assert page.evaluate("document.body.dataset.rendered") == "true"  # its four charts drawn
            assert page.evaluate("document.querySelectorAll('svg.chart-svg[data-rendered=true]').length") == 4
            assert "live: " in page.evaluate("document.getElementById('live-status').textContent")
            # The end of the run reaches the page: the final numbers, then the end of the stream.
            assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
            page.wait_for("document.body.dataset.finished === 'true'", timeout=10)
            final = int(page.evaluate(REQUESTS_CARD).replace(",", ""))
            assert page.evaluate("document.getElementById('live-status').textContent") == "run finished"
            # The page asked its own server for the page and the event stream, nothing else.
            assert {u.split("?")[0] for u in page.requests} <= {url + "/", url + "/events"}
            print(f"dashboard screenshots: {tmp_path / 'live-1.png'} {tmp_path / 'live-2.png'}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)

    summary = json.loads((tmp_path / "summary.json").read_text())
    total = summary["metrics"]["http_reqs"]["count"]
    assert final == total  # the last event carried the run's final count
    assert "     web dashboard: " + url + "\n" in lines

    # The export: the same report as --report, complete and self-contained.
    with Page(chromium, tmp_path, export.as_uri()) as page:
        page.wait_for("document.body.dataset.rendered === 'true'")
        assert int(page.evaluate(REQUESTS_CARD).replace(",", "")) == total
        assert page.requests == [export.as_uri()]  # no fetch beyond the file itself
        assert page.evaluate("performance.getEntriesByType('resource').length") == 0
        csp = page.evaluate("document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
        assert csp.startswith("default-src 'none'") and "connect-src" not in csp
        observed = page.evaluate("document.querySelector('#thresholds-table td.n').textContent")
        assert re.fullmatch(r"p\(95\)=\d+(\.\d+)?(µs|ms|s)", observed), observed
        page.screenshot(tmp_path / "export.png")


def test_port_minus_one_serves_nothing_and_still_exports(tmp_path: Path, demo_server: DemoServer) -> None:
    """K6_WEB_DASHBOARD_PORT=-1 (as in k6): no server, no URL, but the export is written with its time series."""
    export = tmp_path / "r.html"
    env = {"K6_WEB_DASHBOARD": "true", "K6_WEB_DASHBOARD_PORT": "-1", "K6_WEB_DASHBOARD_EXPORT": str(export)}
    scenario = write_scenario(
        tmp_path,
        f'options: {{iterations: 5}}\nflows: {{default: [{{request: {{url: "{demo_server.base_url}/"}}}}]}}\n',
    )
    started = time.monotonic()
    out = subprocess.run(
        loadpy_cmd("run", "--address", "", str(scenario)),
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(env),
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert time.monotonic() - started < 30
    assert "web dashboard" not in out.stdout  # port -1: nothing served, nothing announced
    html = export.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="loadpy-report-data">(.*?)</script>', html, re.DOTALL).group(1))  # type: ignore[union-attr]
    assert data["metrics"]["http_reqs"]["count"] == 5
    assert data["timeseries"]["columns"]["reqs"] and sum(data["timeseries"]["columns"]["reqs"]) == 5
