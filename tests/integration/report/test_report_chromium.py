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
from loadpy.summary import build_summary
from tests.browser import chromium_or_skip, headless
from tests.cdp import Page

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
    data = report_data(reg, summary, rec, {"script": "shop.yaml", "duration_s": 0.8, "options": {}})
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


def test_report_units_zoom_legend_and_hover_in_chromium(chromium: str, tmp_path: Path) -> None:
    """Real mouse input over DevTools: drag on the latency chart zooms its time axis, a double-click
    resets it, a legend button hides and shows its line, hovering reads values out with units."""
    reg = Registry()
    thresholds = Thresholds.parse({"http_req_duration": ["p(95)<1000"], "http_req_failed": ["rate<0.001"]}, reg)
    rec = asyncio.run(record_run(reg))
    thresholds.evaluate(0.8, final=True)
    summary = build_summary(reg, thresholds, test_run_duration_s=0.8, summary_trend_stats=None, summary_time_unit=None)
    meta = {"script": "shop.yaml", "duration_s": 0.8, "options": {}}
    page_file = tmp_path / "report.html"
    page_file.write_text(render_report(report_data(reg, summary, rec, meta)), encoding="utf-8")

    with Page(chromium, tmp_path, page_file.as_uri()) as page:
        page.wait_for("document.body.dataset.rendered === 'true'")
        text = page.evaluate("document.body.innerText")
        assert not re.search(r"\de[+-]\d", text)  # no exponent notation anywhere
        assert page.evaluate("document.querySelector('#card-requests b').textContent") == "1,600"
        assert page.evaluate("document.querySelector('#card-failed b').textContent") == "1.25%"
        assert re.fullmatch(r"\d+(\.\d+)?ms", page.evaluate("document.querySelector('#card-p95 b').textContent"))
        observed = page.evaluate("[...document.querySelectorAll('#thresholds-table td.n')].map(td => td.textContent)")
        assert observed[1] == "rate=1.25%" and re.fullmatch(r"p\(95\)=\d+(\.\d+)?ms", observed[0])
        names = page.evaluate(
            "[...document.querySelectorAll('#names-table tbody tr')].map(tr => [...tr.cells].map(c => c.textContent))"
        )
        assert names[0][:4] == ["<b>home</b>", "1,580", "0", "0.00%"]
        assert all(re.fullmatch(r"\d+(\.\d+)?ms", cell) for cell in names[0][4:8])  # p50 p90 p95 p99
        assert page.evaluate("document.querySelector('#status-table tbody').innerText").split() == [
            "200", "1,580", "98.75%", "0", "20", "1.25%"
        ]  # fmt: skip
        assert page.evaluate("document.querySelector('#error-code-table tbody').innerText").split() == [
            "1211", "20", "1.25%"
        ]  # fmt: skip

        chart = "document.querySelector('svg[data-chart=chart-latency]')"
        box = page.evaluate(
            f"(() => {{ const s = {chart}, r = s.getBoundingClientRect(); return {{left: r.left, top: r.top, "
            "width: r.width, height: r.height, x0: +s.dataset.x0, x1: +s.dataset.x1, tmax: +s.dataset.tmax}; })()"
        )
        labels = f"[...{chart}.querySelectorAll('.xlabel')].map(t => t.textContent)"
        before = page.evaluate(labels)

        def at(fraction: float) -> float:  # client x of a fraction of the plot's width
            return box["left"] + (box["x0"] + fraction * (box["x1"] - box["x0"])) / 600 * box["width"]

        mid_y = box["top"] + box["height"] / 2
        page.mouse("mouseMoved", at(0.25), mid_y)
        page.mouse("mousePressed", at(0.25), mid_y)
        page.mouse("mouseMoved", at(0.5), mid_y)
        page.mouse("mouseMoved", at(0.75), mid_y)
        page.mouse("mouseReleased", at(0.75), mid_y)
        zoom = page.evaluate(f"{chart}.dataset.zoom")
        start, end = (float(v) for v in zoom.split(":"))
        assert start == pytest.approx(0.25 * box["tmax"], abs=0.02)
        assert end == pytest.approx(0.75 * box["tmax"], abs=0.02)
        zoomed = page.evaluate(labels)
        assert zoomed != before and len(zoomed) >= 3
        assert page.evaluate(f"{chart}.querySelector('g.plot').getAttribute('transform')").startswith("translate(")
        page.screenshot(tmp_path / "zoomed.png")

        page.mouse("mouseMoved", at(0.5), mid_y)  # hover: the read-out, with units
        tip = page.evaluate(f"{chart}.closest('figure').querySelector('.tip').textContent")
        assert re.search(r"^t=0\.\ds\np50: \d+(\.\d+)?ms\np90: ", tip), tip

        for clicks in (1, 2):  # a double-click: two presses, the second with clickCount 2
            page.mouse("mousePressed", at(0.5), mid_y, clicks=clicks)
            page.mouse("mouseReleased", at(0.5), mid_y, clicks=clicks)
        assert page.evaluate(f"{chart}.dataset.zoom") is None
        assert page.evaluate(labels) == before

        button = f"{chart}.closest('figure').querySelector('button[data-series=p99]')"
        spot = page.evaluate(
            f"(() => {{ const r = {button}.getBoundingClientRect(); return [r.left + 5, r.top + 5]; }})()"
        )
        line = f"getComputedStyle({chart}.querySelector('path[data-series=p99]')).display"
        page.mouse("mousePressed", *spot)
        page.mouse("mouseReleased", *spot)
        assert page.evaluate(line) == "none"
        assert page.evaluate(f"{button}.getAttribute('aria-pressed')") == "false"
        page.mouse("mousePressed", *spot)
        page.mouse("mouseReleased", *spot)
        assert page.evaluate(line) == "inline"
        assert page.requests == [page_file.as_uri()]  # self-contained: nothing else fetched
