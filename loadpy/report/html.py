"""The self-contained HTML report: inline CSS, inline SVG charts, a small inline script for
hover read-outs, zoom and legend toggles, and the report data embedded as JSON (so the HTML
alone can be re-rendered). A Content-Security-Policy forbids every network fetch. Every
user-supplied text is escaped; every number is shown with its unit (loadpy.report.units).

The live dashboard (loadpy.dashboard) shows the same page: `render_sections` is what it sends
on each update, `render_report(data, live=True)` the page it serves first."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from loadpy.errors import LoadpyError
from loadpy.outputs.files import check_writable, describe_os_error, write_file
from loadpy.report import units
from loadpy.report.data import DATA_ELEMENT_ID, embed_json, load_results, report_data, save_results
from loadpy.report.script import CHARTS, LIVE
from loadpy.report.svg import TIME_STEPS, Line, line_chart

__all__ = ["load_results", "render_report", "render_sections", "report_data", "save_results", "write_report"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
# The live page also reads its own server's event stream, and nothing else.
LIVE_CSP = CSP + "; connect-src 'self'"
# Latency lines: distinct colours and dashes, so equal percentiles do not hide each other.
_LATENCY_STYLE = {
    "p50": ("#2b8a3e", ""),
    "p90": ("#1971c2", "8 4"),
    "p95": ("#e8590c", "4 3"),
    "p99": ("#c2255c", "1 3"),
}
_Y_FORMAT = {"ms": units.duration_ms, "per_s": units.per_second, "count": units.count}

_CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232b;background:#f4f6f8}
header{background:#1d232b;color:#fff;padding:16px 28px}
header h1{margin:0;font-size:20px}
header .sub{color:#aab4bf;font-size:13px;word-break:break-all}
main{padding:16px 28px;max-width:1400px}
section{background:#fff;border-radius:6px;padding:12px 18px;margin:0 0 16px;box-shadow:0 1px 2px #0002}
h2{font-size:16px;margin:4px 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 150px;background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px #0002}
.card b{display:block;font-size:22px}
.card span{color:#5c6670;font-size:12px;text-transform:uppercase}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px}
figure.chart{margin:0;position:relative}
figcaption{font-weight:600;margin-bottom:4px}
.unit{color:#5c6670;font-weight:400}
svg.chart-svg{width:100%;height:auto;display:block}
svg .grid{stroke:#e3e7eb}
svg .axis,svg .tick{stroke:#8a949e}
svg .cursor{stroke:#1d232b;stroke-dasharray:3 3}
svg text{font-size:11px;fill:#5c6670}
svg .ylabel{text-anchor:end}
svg .xlabel,svg .nodata{text-anchor:middle}
svg .series{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
svg .selection{fill:#1971c233;stroke:#1971c2}
svg.chart-svg{cursor:crosshair;user-select:none}
.legend{display:flex;flex-wrap:wrap;align-items:center;gap:4px 10px}
.legend button{font:inherit;font-size:12px;background:none;border:1px solid transparent;border-radius:4px;
padding:1px 6px;cursor:pointer;display:inline-flex;align-items:center;gap:4px}
.legend button:hover{border-color:#ced4da}
.legend button[aria-pressed=false]{opacity:.4;text-decoration:line-through}
.zoomhint{color:#868e96;font-size:11px;margin-left:auto}
.live{font-size:13px;color:#ffd43b;margin-top:2px}
.row2{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:16px}
.tip{position:absolute;top:24px;right:8px;background:#1d232bdd;color:#fff;padding:6px 8px;border-radius:4px;
font-size:12px;pointer-events:none;white-space:pre}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e7eb;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.k{word-break:break-all}
.pass{color:#2b8a3e;font-weight:600}
.fail{color:#c92a2a;font-weight:600}
.empty{color:#5c6670}
pre{background:#f4f6f8;padding:8px;overflow:auto;max-height:320px;margin:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
dt{color:#5c6670}
dd{margin:0;word-break:break-all}
"""


def _chart_specs(ts: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The four charts' series from the recorded columns (rates are count / interval).
    `kind` names the unit of the values: ms, per_s or count."""
    cols = (ts or {}).get("columns") or {}
    xs: list[float] = list(cols.get("t") or [])
    dts: list[float] = list(cols.get("dt") or [0.0] * len(xs))

    def per_second(name: str) -> list[float | None]:
        return [c / d if d > 0 else None for c, d in zip(cols.get(name) or [0.0] * len(xs), dts, strict=True)]

    return [
        {
            "id": "chart-rate",
            "title": "Request rate",
            "unit": "per second",
            "kind": "per_s",
            "lines": [
                Line("requests/s", per_second("reqs"), "#1971c2"),
                Line("iterations/s", per_second("iters"), "#868e96", "6 4"),
            ],
        },
        {
            "id": "chart-vus",
            "title": "Virtual users",
            "unit": "VUs",
            "kind": "count",
            "lines": [Line("VUs", list(cols.get("vus") or []), "#7048e8")],
        },
        {
            "id": "chart-latency",
            "title": "Request duration (http_req_duration)",
            "unit": "ms / s",
            "kind": "ms",
            "lines": [
                Line(p, list(cols.get(p) or [None] * len(xs)), color, dash)
                for p, (color, dash) in _LATENCY_STYLE.items()
            ],
        },
        {
            "id": "chart-errors",
            "title": "Errors",
            "unit": "per second",
            "kind": "per_s",
            "lines": [
                Line("failed requests/s", per_second("failed"), "#c92a2a"),
                Line("requests with error_code/s", per_second("errored"), "#f08c00", "6 4"),
            ],
        },
    ]


def _charts(data: dict[str, Any]) -> tuple[str, str]:
    """The charts' HTML, and the JSON the page's script reads (values per line, unit kind)."""
    ts = data.get("timeseries")
    xs = list(((ts or {}).get("columns") or {}).get("t") or [])
    html_parts: list[str] = []
    js_specs: dict[str, Any] = {}
    for spec in _chart_specs(ts):
        lines: list[Line] = spec["lines"]
        whole = 1.0 if spec["kind"] == "count" else 0.0
        chart = line_chart(spec["id"], spec["title"], spec["unit"], xs, lines, _Y_FORMAT[spec["kind"]], whole)
        html_parts.append(chart)
        js_specs[spec["id"]] = {
            "xs": xs,
            "kind": spec["kind"],
            "lines": [{"label": line.label, "values": line.values} for line in lines],
        }
    return "\n".join(html_parts), embed_json({"time_steps": list(TIME_STEPS), "charts": js_specs})


def _table(head: list[tuple[str, bool]], rows: list[list[tuple[str, str]]], empty: str, table_id: str = "") -> str:
    """head: (title, numeric); rows of (already-escaped html, css class)."""
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    out = [f'<table id="{table_id}">' if table_id else "<table>", "<thead><tr>"]
    out.extend(f"<th{' class=n' if num else ''}>{escape(title)}</th>" for title, num in head)
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="{cls}">{cell}</td>' for cell, cls in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _status(ok: bool) -> tuple[str, str]:
    return ("PASS", "pass") if ok else ("FAIL", "fail")


def _breakdown_table(rows: list[dict[str, Any]], label: str, with_iterations: bool, empty: str, table_id: str) -> str:
    """Requests, failures and http_req_duration percentiles per tag value. Files written before
    p50/p90/p99 were recorded show '-' in those columns."""
    head = [(label, False), ("Requests", True), ("Failures", True), ("Failed %", True)]
    head += [(p, True) for p in _LATENCY_STYLE]
    if with_iterations:
        head.append(("Iterations", True))
    body = []
    for row in rows:
        requests, failures = row.get("requests", 0), row.get("failures", 0)
        cells = [
            (escape(str(row.get("key", ""))), "k"),
            (escape(units.count(requests)), "n"),
            (escape(units.count(failures)), "n"),
            (escape(units.percent(failures, requests)), "n"),
        ]
        cells += [(escape(units.duration_ms(row.get(p))), "n") for p in _LATENCY_STYLE]
        if with_iterations:
            cells.append((escape(units.count(row.get("iterations", 0))), "n"))
        body.append(cells)
    return _table(head, body, empty, table_id)


def _failures_table(rows: list[dict[str, Any]]) -> str:
    head = [("Count", True), ("Status", True), ("Error code", True), ("Request", False), ("Error", False)]
    body = [
        [
            (escape(units.count(row.get("count", 0))), "n"),
            (escape(str(row.get("status") or "-")), "n"),
            (escape(str(row.get("error_code") or "-")), "n"),
            (escape(" ".join(str(row.get(k) or "") for k in ("method", "name")).strip()), "k"),
            (escape(str(row.get("error") or "")), "k"),
        ]
        for row in rows
    ]
    return _table(head, body, "No request failed.", "failures-table")


def _counts_table(rows: list[dict[str, Any]], label: str, total: float, empty: str, table_id: str) -> str:
    """Requests per status / per error code, with their share of all requests."""
    body = [
        [
            (escape(str(row.get("key", ""))), "n"),
            (escape(units.count(row.get("requests", 0))), "n"),
            (escape(units.percent(row.get("requests", 0), total)), "n"),
        ]
        for row in rows
    ]
    return _table([(label, True), ("Requests", True), ("Share", True)], body, empty, table_id)


def _total_requests(data: dict[str, Any]) -> float:
    return float(((data.get("metrics") or {}).get("http_reqs") or {}).get("count", 0) or 0)


def _cards(data: dict[str, Any]) -> str:
    metrics = data.get("metrics") or {}
    reqs = _total_requests(data)
    rate = (metrics.get("http_reqs") or {}).get("rate")
    failed = metrics.get("http_req_failed") or {}
    duration = metrics.get("http_req_duration") or {}
    checks = data.get("checks") or []
    passes = sum(c["passes"] for c in checks)
    total = passes + sum(c["fails"] for c in checks)
    thresholds = data.get("thresholds") or []
    bad = sum(1 for t in thresholds if not t["ok"])
    verdict = f"{len(thresholds) - bad}/{len(thresholds)} passed" if thresholds else "none"
    cards = [
        ("Requests", units.count(reqs), "card-requests"),
        ("Request rate", units.per_second(rate), "card-rate"),
        ("Failed requests", units.percent(failed.get("passes", 0) or 0, reqs), "card-failed"),
        ("p95 duration", units.duration_ms(duration.get("p(95)")), "card-p95"),
        ("Checks passed", units.percent(passes, total), "card-checks"),
        ("Thresholds", verdict, "card-thresholds"),
    ]
    return (
        '<div class="cards">'
        + "".join(f'<div class=card id="{cid}"><span>{escape(k)}</span><b>{escape(v)}</b></div>' for k, v, cid in cards)
        + "</div>"
    )


def _meta(meta: dict[str, Any]) -> str:
    rows = []
    duration = meta.get("duration_s")
    for key, label in (("script", "Script"), ("start_time", "Start time"), ("loadpy_version", "loadpy version")):
        if meta.get(key) is not None:
            rows.append((label, str(meta[key])))
    if isinstance(duration, int | float):
        rows.append(("Duration", f"{units.clock(duration)} ({duration:.3f} s)"))
    shown = {"script", "start_time", "loadpy_version", "duration_s", "options"}
    rows.extend((str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in meta.items() if k not in shown)
    out = "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"
    if meta.get("options") is not None:
        options = json.dumps(meta["options"], indent=2, sort_keys=True, default=str)
        out += f"<h3>Options</h3><pre>{escape(options)}</pre>"
    return out


def _thresholds_table(data: dict[str, Any]) -> str:
    """Each threshold with the value it compared, in the metric's unit."""
    rows = []
    for t in data.get("thresholds") or []:
        stat, observed = t.get("stat"), t.get("observed")
        if not stat:
            shown = "-"
        elif observed is None:
            shown = f"{stat}: no value"
        else:
            shown = f"{stat}={units.metric_value(t['metric'], stat, observed, data.get('units'))}"
        rows.append([(escape(t["metric"]), "k"), (escape(t["source"]), "k"), (escape(shown), "n"), _status(t["ok"])])
    head = [("Metric", False), ("Threshold", False), ("Observed", True), ("Result", False)]
    return _table(head, rows, "No thresholds.", "thresholds-table")


def _metrics_table(data: dict[str, Any]) -> str:
    rows = []
    for name, values in sorted((data.get("metrics") or {}).items()):
        if not isinstance(values, dict):
            continue
        shown = "  ".join(
            f"{k}={units.metric_value(name, k, v, data.get('units'))}" for k, v in values.items() if k != "thresholds"
        )
        rows.append([(escape(name), "k"), (escape(shown), "k")])
    return _table([("Metric", False), ("Values", False)], rows, "No metrics.", "metrics-table")


def render_sections(data: dict[str, Any]) -> tuple[str, str]:
    """The report's body (cards, charts, tables) and the charts' JSON for the page script."""
    meta = data.get("meta") or {}
    charts_html, charts_json = _charts(data)
    checks = [
        [
            (escape(c["path"]), "k"),
            (escape(units.count(c["passes"])), "n"),
            (escape(units.count(c["fails"])), "n"),
            (escape(units.percent(c["passes"], c["passes"] + c["fails"])), "n"),
            _status(c["fails"] == 0),
        ]
        for c in data.get("checks") or []
    ]
    omitted = int(data.get("names_omitted") or 0)
    total = _total_requests(data)
    body = [
        _cards(data),
        f'<section id="charts"><h2>Over time</h2><div class="charts">{charts_html}</div></section>',
        f'<section id="thresholds"><h2>Thresholds</h2>{_thresholds_table(data)}</section>',
        '<section id="checks"><h2>Checks</h2>'
        + _table(
            [("Check", False), ("Passes", True), ("Fails", True), ("Pass %", True), ("Result", False)],
            checks,
            "No checks.",
            "checks-table",
        )
        + "</section>",
        '<section id="scenarios"><h2>Scenarios</h2>'
        + _breakdown_table(data.get("scenarios") or [], "Scenario", True, "No scenario data.", "scenarios-table")
        + "</section>",
        '<section id="names"><h2>Requests by name</h2>'
        + _breakdown_table(data.get("names") or [], "name", False, "No requests.", "names-table")
        + (f'<p class="empty">{units.count(omitted)} less busy names not shown.</p>' if omitted else "")
        + "</section>",
        '<section id="failures"><h2>Failed requests, by reason</h2>'
        + _failures_table(data.get("failures") or [])
        + '<div class="row2"><div><h3>Requests by status</h3>'
        + _counts_table(data.get("statuses") or [], "Status", total, "No status recorded.", "status-table")
        + "</div><div><h3>Requests by error code</h3>"
        + _counts_table(data.get("error_codes") or [], "Error code", total, "No error code.", "error-code-table")
        + "</div></div></section>",
        f'<section id="metrics"><h2>Metrics</h2>{_metrics_table(data)}</section>',
        f'<section id="meta"><h2>Run</h2>{_meta(meta)}</section>',
    ]
    return "\n".join(body), charts_json


def render_report(data: dict[str, Any], *, live: bool = False) -> str:
    """The whole report as one HTML document (from report_data() or load_results()).
    `live`: the dashboard's page, which updates itself from its server's event stream and
    embeds no results (the export at the end does)."""
    meta = data.get("meta") or {}
    sections, charts_json = render_sections(data)
    title = f"loadpy {'dashboard' if live else 'report'} — {meta.get('script', 'run')}"
    status = '<div class="live" id="live-status">connecting</div>' if live else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{LIVE_CSP if live else CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>",
        '<body data-rendered="false">',
        f"<header><h1>{escape(title)}</h1>"
        f"<div class=sub>{escape(str(meta.get('start_time', '')))}</div>{status}</header>",
        f'<main id="live-main">{sections}</main>' if live else f"<main>{sections}</main>",
        "" if live else f'<script type="application/json" id="{DATA_ELEMENT_ID}">{embed_json(data)}</script>',
        f'<script type="application/json" id="loadpy-chart-data">{charts_json}</script>',
        f"<script>{CHARTS}</script>",
        f"<script>{LIVE}</script>" if live else "",
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part)


def write_report(path: str | Path, data: dict[str, Any]) -> None:
    """Render `data` and write the HTML file (`loadpy report -o`; see loadpy.outputs.files for how).

    ConfigError (104) when the path can't be written to at all, LoadpyError (255) when writing fails.
    """
    check_writable(str(path), "--output")
    try:
        write_file(str(path), render_report(data))
    except OSError as exc:
        raise LoadpyError(f"could not write the report {path}: {describe_os_error(exc)}") from None
