"""report_data tables, the rendered HTML (escaping, self-containment) and results files."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from loadpy import __version__
from loadpy.errors import ConfigError, ExitCode
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import tagset
from loadpy.metrics.thresholds import Thresholds
from loadpy.report import TimeSeriesRecorder, load_results, render_report, report_data, save_results, units
from loadpy.report.data import MAX_NAME_ROWS
from loadpy.report.svg import Line, line_chart, nice_step, time_step, y_axis
from loadpy.summary import Summary, build_summary
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env

EVIL = "<script>alert(1)</script>"
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def request(reg: Registry, tags: dict[str, str], ms: float, failed: bool = False) -> None:
    ts = tagset(tags)
    reg.sink(reg.metrics["http_reqs"], ts).add(1)
    reg.sink(reg.metrics["http_req_duration"], ts).add(ms)
    reg.sink(reg.metrics["http_req_failed"], ts).add(failed)


def summarize(reg: Registry, thresholds: dict[str, list[str]] | None = None, duration_s: float = 2.0) -> Summary:
    """The run's summary model, thresholds evaluated at the end as a run does."""
    parsed = Thresholds.parse(thresholds, reg) if thresholds is not None else None
    if parsed is not None:
        parsed.evaluate(duration_s, final=True)
    return build_summary(reg, parsed, test_run_duration_s=duration_s, summary_trend_stats=None, summary_time_unit=None)


def login_checks(reg: Registry, check_name: str = "status is 200") -> None:
    """`top` at the root, then `check_name` in group `login`: 3/0 and 7/2 passes/fails."""
    top = reg.groups.root.check("top")
    top.passes = 3
    login = reg.groups.root.group("login").check(check_name)
    login.passes, login.fails = 7, 2


def test_report_data_tables_per_scenario_and_name() -> None:
    reg = Registry()
    for ms in (10.0, 20.0, 30.0):
        request(reg, {"scenario": "browse", "name": "home", "status": "200"}, ms)
    request(reg, {"scenario": "browse", "name": "search", "status": "500"}, 50.0, failed=True)
    request(reg, {"scenario": "buy", "name": "home", "status": "200"}, 5.0)
    request(reg, {"scenario": "buy", "name": "home", "status": "200", "method": "POST"}, 15.0)
    reg.sink(reg.metrics["iterations"], tagset({"scenario": "browse"})).add(4)
    reg.sink(reg.metrics["iterations"], tagset({"scenario": "buy"})).add(1)
    login_checks(reg)
    thresholds = {"http_req_duration": ["p(95)<500", "max<10"], "http_req_duration{name:none}": ["max<10"]}
    data = report_data(reg, summarize(reg, thresholds), None, {"script": "flow.yaml", "duration_s": 2.0})

    approx = pytest.approx

    def pcts(p50: float, p90: float, p95: float, p99: float) -> dict[str, Any]:
        # k6's percentiles: linear interpolation between the closest ranks
        return {"p50": approx(p50), "p90": approx(p90), "p95": approx(p95), "p99": approx(p99)}

    assert data["scenarios"] == [
        {"key": "browse", "requests": 4, "failures": 1, **pcts(25, 44, 47, 49.4), "iterations": 4},
        {"key": "buy", "requests": 2, "failures": 0, **pcts(10, 14, 14.5, 14.9), "iterations": 1},
    ]
    assert data["names"] == [
        {"key": "home", "requests": 5, "failures": 0, **pcts(15, 26, 28, 29.6)},
        {"key": "search", "requests": 1, "failures": 1, **pcts(50, 50, 50, 50)},
    ]
    assert data["statuses"] == [{"key": "200", "requests": 5}, {"key": "500", "requests": 1}]
    assert data["error_codes"] == []
    assert data["units"]["http_req_duration"] == {"type": "trend", "contains": "time"}
    assert data["units"]["data_sent"] == {"type": "counter", "contains": "data"}
    assert data["names_omitted"] == 0
    assert data["checks"] == [
        {"path": "::top", "name": "top", "passes": 3, "fails": 0},
        {"path": "::login::status is 200", "name": "status is 200", "passes": 7, "fails": 2},
    ]
    assert data["thresholds"] == [
        # The value each threshold compared; none for a submetric without a sample.
        {"metric": "http_req_duration", "source": "p(95)<500", "ok": True, "stat": "p(95)", "observed": approx(45)},
        {"metric": "http_req_duration", "source": "max<10", "ok": False, "stat": "max", "observed": 50},
        {"metric": "http_req_duration{name:none}", "source": "max<10", "ok": True, "stat": "max", "observed": None},
    ]
    assert data["metrics"]["http_req_failed"] == {"passes": 1, "fails": 5, "value": approx(1 / 6)}
    assert data["metrics"]["http_reqs"] == {"count": 6, "rate": 3}
    assert data["metrics"]["http_req_duration"]["thresholds"] == {"p(95)<500": False, "max<10": True}
    assert data["meta"] == {"loadpy_version": __version__, "script": "flow.yaml", "duration_s": 2.0}
    html = render_report(data)
    assert re.search(r"<td class=\"k\">p\(95\)&lt;500</td><td class=\"n\">p\(95\)=45ms</td>", html)
    assert '<td class="n">max: no value</td>' in html
    assert data["timeseries"] is None
    json.dumps(data)  # serialisable as is


def test_name_table_is_bounded_busiest_first() -> None:
    reg = Registry()
    for i in range(MAX_NAME_ROWS + 3):
        request(reg, {"name": f"/item/{i}"}, 1.0)
    request(reg, {"name": "/item/7"}, 1.0)
    data = report_data(reg, summarize(reg), None, {})
    assert len(data["names"]) == MAX_NAME_ROWS
    assert data["names"][0] == {
        "key": "/item/7",
        "requests": 2,
        "failures": 0,
        "p50": 1.0,
        "p90": 1.0,
        "p95": 1.0,
        "p99": 1.0,
    }
    assert data["names_omitted"] == 3
    live = report_data(reg, summarize(reg), None, {}, max_names=2)  # the dashboard's short table
    assert [row["key"] for row in live["names"]] == ["/item/7", "/item/0"]  # busiest, then by name
    assert live["names_omitted"] == MAX_NAME_ROWS + 1


def test_every_user_value_is_escaped() -> None:
    reg = Registry()
    rec = TimeSeriesRecorder(reg)
    rec.begin()
    request(reg, {"scenario": EVIL, "name": EVIL}, 12.0)
    assert rec.started_mono is not None
    rec.tick(rec.started_mono + 1.0)
    meta = {"script": EVIL, "duration_s": 1.0, "options": {"tags": {"x": EVIL}}, "note": EVIL}
    login_checks(reg, check_name=EVIL)
    summary = summarize(reg, {f"http_req_duration{{name:{EVIL}}}": ["p(95)<500"]})
    html = render_report(report_data(reg, summary, rec, meta))
    # Only the report's own three script elements; the payload appears escaped only.
    assert html.count("<script") == 3
    assert "alert(1)</script>" not in html
    assert EVIL_ESCAPED in html
    assert html.count(EVIL_ESCAPED) >= 6  # title, header, scenario, name, check, threshold, meta ...
    # The embedded JSON cannot close its element either.
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html


def test_report_is_self_contained() -> None:
    reg = Registry()
    html = render_report(report_data(reg, summarize(reg), None, {"script": "a.yaml"}))
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "@import" not in html
    assert not re.search(r"url\((?!#)", html)  # only references to the page's own clip paths
    assert "default-src 'none'" in html  # the CSP forbids any fetch
    # No run data: four charts, each saying so.
    assert html.count('class="chart-svg"') == 4
    assert html.count(">no data</text>") == 4


def test_results_round_trip_through_json_and_through_the_html(tmp_path: Path) -> None:
    reg = Registry()
    request(reg, {"scenario": "s", "name": EVIL}, 3.0)
    login_checks(reg)
    summary = summarize(reg, {"http_req_duration": ["p(95)<500"]})
    data = report_data(reg, summary, None, {"script": "x.yaml", "start_time": "2025-01-01T00:00:00+00:00"})
    saved = tmp_path / "results.json"
    save_results(saved, data)
    assert load_results(saved) == data
    page = tmp_path / "report.html"
    page.write_text(render_report(data), encoding="utf-8")
    assert load_results(page) == data
    assert render_report(load_results(page)) == render_report(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the results file"),
        ("{not json", "is not valid JSON (line 1, column 2"),
        ('{"metrics": {}}', 'not a loadpy results file: expected a JSON object with "format": "loadpy-report/1"'),
        ("<html><body>hello</body></html>", "this HTML file holds no loadpy report data"),
    ],
)
def test_bad_results_files_are_config_errors(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_results(path)
    assert info.value.exit_code == ExitCode.INVALID_CONFIG
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_chart_paths_break_on_gaps_and_axes_are_nice() -> None:
    svg = line_chart(
        "c", "T", "ms", [1.0, 2.0, 3.0, 4.0], [Line("p95", [5.0, None, 7.0, 8.0], "#000")], units.duration_ms
    )
    paths = re.findall(r'<path class="series" data-series="p95" stroke="#000" [^>]*d="([^"]+)"', svg)
    assert len(paths) == 1
    assert paths[0].count("M") == 2 and paths[0].count("L") == 1
    assert re.fullmatch(r"M[\d.]+,[\d.]+h0M[\d.]+,[\d.]+L[\d.]+,[\d.]+", paths[0])
    # 1-2-5 steps on the value axis, labelled with the unit: 8 ms * 1.05 -> 0..10 ms by 2 ms.
    assert re.findall(r'<text class="ylabel"[^>]*>([^<]*)</text>', svg) == ["0s", "2ms", "4ms", "6ms", "8ms", "10ms"]
    assert [nice_step(v) for v in (0, 0.07, 1, 3.2, 49, 51, 1900)] == [1, 0.1, 1, 5, 50, 100, 2000]
    assert [y_axis(v) for v in (0, 1, 9.5, 400, 1900)] == [(1, 1), (0.5, 1.5), (2, 10), (100, 500), (500, 2000)]
    assert [y_axis(v, 1) for v in (0, 2, 3)] == [(1, 1), (1, 3), (1, 4)]  # whole VUs: no 0.5 step
    assert [time_step(s) for s in (0.8, 10, 60, 100, 600, 3600)] == [0.1, 2, 10, 15, 120, 600]
    assert [units.clock(s) for s in (0, 0.5, 59.6, 90, 3600, 3720)] == ["0s", "0.5s", "1m", "1m30s", "1h", "1h2m"]
    labels = re.findall(
        r'<text class="xlabel"[^>]*>([^<]*)</text>', line_chart("c", "T", "", [0.3, 0.8], [], units.count)
    )
    assert labels == ["0s", "0.1s", "0.2s", "0.3s", "0.4s", "0.5s", "0.6s", "0.7s", "0.8s"]
    minutes = line_chart("c", "T", "", [30.0 * i for i in range(13)], [], units.count)
    assert re.findall(r'<text class="xlabel"[^>]*>([^<]*)</text>', minutes) == [
        "0s", "1m", "2m", "3m", "4m", "5m", "6m"
    ]  # fmt: skip


def test_results_written_before_the_new_fields_still_render(tmp_path: Path) -> None:
    """A results file from before units, per-status counts, p50/p90/p99 and observed threshold
    values: `loadpy report` renders it, showing '-' where the file has no value."""
    reg = Registry()
    request(reg, {"scenario": "s", "name": "home", "status": "200"}, 3.0)
    data = report_data(
        reg, summarize(reg, {"http_req_duration": ["p(95)<500"]}), None, {"script": "x.yaml", "duration_s": 1.0}
    )
    for key in ("statuses", "error_codes", "units"):
        del data[key]
    for row in data["names"] + data["scenarios"]:
        for key in ("p50", "p90", "p99"):
            del row[key]
    for row in data["thresholds"]:
        del row["stat"], row["observed"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "old.html"
    cmd = loadpy_cmd("report", str(old), "-o", str(out))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False, env=subprocess_env())
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    row = re.search(r'<tr><td class="k">home</td>(.*?)</tr>', html)
    assert row is not None
    cells = re.findall(r'<td class="n">([^<]*)</td>', row.group(1))
    assert cells == ["1", "0", "0.00%", "-", "-", "3ms", "-"]  # requests, failures, %, p50 p90 p95 p99
    assert '<td class="k">p(95)&lt;500</td><td class="n">-</td>' in html
    assert '<td class="n">200</td>' not in html and "No status recorded." in html
    durations = "avg=3ms  min=3ms  med=3ms  max=3ms  p(90)=3ms  p(95)=3ms"
    assert f'http_req_duration</td><td class="k">{durations}</td>' in html  # built-in units known by name
