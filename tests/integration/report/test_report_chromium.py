"""The HTML report opened in headless Chromium: a run recorded on a real event loop (registry fed
by a sample-producing task, the recorder ticking beside it), real thresholds and summary export,
then the page's DOM after its script ran and a screenshot kept in the test's tmp dir."""

from __future__ import annotations

import asyncio
import re
import struct
from pathlib import Path

import pytest

from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import tagset
from loadpy.metrics.thresholds import Thresholds
from loadpy.report import TimeSeriesRecorder, render_report, report_data
from loadpy.summary import build_summary, export_json
from tests.browser import chromium_or_skip, headless

CHART_IDS = ("chart-rate", "chart-vus", "chart-latency", "chart-errors")


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip()


async def record_run(reg: Registry) -> TimeSeriesRecorder:
    """~0.8 s of traffic in 80 bounded steps, recorded every 0.1 s."""
    m = reg.metrics
    ok = tagset({"scenario": "shop", "name": "<b>home</b>", "status": "200", "method": "GET"})
    bad = tagset({"scenario": "shop", "name": "checkout", "status": "0", "method": "POST", "error_code": "1211"})
    rec = TimeSeriesRecorder(reg, interval_s=0.1)
    rec.start(asyncio.get_running_loop())
    check = reg.groups.root.group("buy").check("status is 200")
    for step in range(80):
        reg.sink(m["vus"], ()).add(1 + step // 10)
        for i in range(20):
            tags = bad if i == 0 and step % 4 == 0 else ok
            reg.sink(m["http_reqs"], tags).add(1)
            reg.sink(m["http_req_duration"], tags).add(5.0 + step + i * 0.5)
            reg.sink(m["http_req_failed"], tags).add(tags is bad)
            if tags is bad:
                check.fails += 1
            else:
                check.passes += 1
        reg.sink(m["iterations"], tagset({"scenario": "shop"})).add(10)
        await asyncio.sleep(0.01)
    rec.stop()
    return rec


@pytest.mark.slow
def test_report_renders_its_charts_in_headless_chromium(chromium: str, tmp_path: Path) -> None:
    reg = Registry()
    thresholds = Thresholds.parse({"http_req_duration": ["p(95)<1000"], "http_req_failed": ["rate<0.001"]}, reg)
    rec = asyncio.run(record_run(reg))
    assert sum(p.reqs for p in rec.points) == 1600
    assert sum(p.failed for p in rec.points) == 20
    assert len(rec.points) >= 3

    thresholds.evaluate(0.8, final=True)
    summary = build_summary(reg, thresholds, test_run_duration_s=0.8, summary_trend_stats=None, summary_time_unit=None)
    data = report_data(reg, export_json(summary), rec, {"script": "shop.yaml", "duration_s": 0.8, "options": {}})
    assert {(t["source"], t["ok"]) for t in data["thresholds"]} == {("p(95)<1000", True), ("rate<0.001", False)}
    page = tmp_path / "report.html"
    page.write_text(render_report(data), encoding="utf-8")

    dom = headless(chromium, tmp_path, "--dump-dom", page.as_uri()).stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    assert 'data-rendered="true"' in body.group(0)
    assert 'data-charts="4"' in body.group(0)
    for chart_id in CHART_IDS:
        svg = re.search(rf'<svg [^>]*data-chart="{chart_id}"[^>]*>(.*?)</svg>', dom, re.DOTALL)
        assert svg is not None, chart_id
        assert 'data-rendered="true"' in svg.group(0), chart_id
        paths = re.findall(r'<path class="series"[^>]* d="(M[^"]*L[^"]*)"', svg.group(1))
        assert paths, f"{chart_id} has no drawn line"
    # The tables reached the DOM with their values, the tag value escaped.
    assert "&lt;b&gt;home&lt;/b&gt;" in dom
    assert re.search(r"<td class=\"k\">checkout</td><td class=\"n\">20</td><td class=\"n\">20</td>", dom)
    assert "FAIL" in dom and "PASS" in dom

    shot = tmp_path / "report.png"
    headless(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1280, 2000)
    assert len(png) > 30_000  # a blank page compresses to a few kB; charts and tables do not
    print(f"report screenshot: {shot}")
