"""The self-contained HTML report: inline CSS, inline SVG charts, a small inline script for
hover read-outs, and the report data embedded as JSON (so the HTML alone can be re-rendered).
A Content-Security-Policy forbids every network fetch. Every user-supplied text is escaped."""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path
from typing import Any

from loadpy.errors import LoadpyError
from loadpy.outputs.files import check_writable, describe_os_error, write_file
from loadpy.report.data import DATA_ELEMENT_ID, embed_json, load_results, report_data, save_results
from loadpy.report.svg import Line, format_duration, line_chart

__all__ = ["load_results", "render_report", "report_data", "save_results", "write_report"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
_COLORS = {"p50": "#2b8a3e", "p90": "#1971c2", "p95": "#e8590c", "p99": "#c2255c"}

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
.legend span{margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
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

# Hover read-out for every chart; marks each chart and the page data-rendered="true" once
# its paths are in place (what the headless-browser test checks).
_JS = """
(function(){
  var charts = JSON.parse(document.getElementById('loadpy-chart-data').textContent);
  function fmt(v){ return v === null || v === undefined ? '-' : (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)); }
  function dur(s){ s = Math.round(s); var m = Math.floor(s/60), h = Math.floor(m/60);
    return h ? h+'h'+(m%60)+'m'+(s%60)+'s' : m ? m+'m'+(s%60)+'s' : s+'s'; }
  var ok = 0, all = document.querySelectorAll('svg.chart-svg');
  all.forEach(function(svg){
    var spec = charts[svg.dataset.chart]; if (!spec) return;
    var fig = svg.closest('figure'), tip = fig.querySelector('.tip'), cur = svg.querySelector('.cursor');
    var x0 = +svg.dataset.x0, x1 = +svg.dataset.x1, tmax = +svg.dataset.tmax;
    svg.addEventListener('mousemove', function(ev){
      var r = svg.getBoundingClientRect(), vx = (ev.clientX - r.left) / r.width * svg.viewBox.baseVal.width;
      var t = (vx - x0) / (x1 - x0) * tmax, best = -1, gap = Infinity;
      spec.xs.forEach(function(x, i){ var d = Math.abs(x - t); if (d < gap){ gap = d; best = i; } });
      if (best < 0) return;
      var px = x0 + spec.xs[best] / tmax * (x1 - x0);
      cur.setAttribute('x1', px); cur.setAttribute('x2', px); cur.setAttribute('visibility', 'visible');
      tip.textContent = 't=' + dur(spec.xs[best]) + spec.lines.map(function(l){
        return '\\n' + l.label + ': ' + fmt(l.values[best]) + ' ' + spec.unit; }).join('');
      tip.hidden = false;
    });
    svg.addEventListener('mouseleave', function(){ cur.setAttribute('visibility', 'hidden'); tip.hidden = true; });
    var paths = svg.querySelectorAll('path.series'), drawn = spec.xs.length === 0 || paths.length > 0;
    paths.forEach(function(p){ var b = p.getBBox();  // laid out: a line has extent, a lone dot not
      if (!p.getAttribute('d') || !(b.width > 0 || b.height > 0 || spec.xs.length < 2)) drawn = false; });
    if (drawn){ svg.setAttribute('data-rendered', 'true'); ok++; }
  });
  document.body.setAttribute('data-rendered', ok === all.length ? 'true' : 'false');
  document.body.setAttribute('data-charts', String(ok));
})();
"""


def _fmt_ms(value: Any) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "-"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.2f} ms"


def _fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.0f}"
    return str(value)


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.2f}%" if whole else "-"


def _chart_specs(ts: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The four charts' series from the recorded columns (rates are count / interval)."""
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
            "lines": [("requests/s", per_second("reqs"), "#1971c2"), ("iterations/s", per_second("iters"), "#868e96")],
        },
        {
            "id": "chart-vus",
            "title": "Virtual users",
            "unit": "VUs",
            "lines": [("VUs", list(cols.get("vus") or []), "#7048e8")],
        },
        {
            "id": "chart-latency",
            "title": "Request duration (http_req_duration)",
            "unit": "ms",
            "lines": [(p, list(cols.get(p) or [None] * len(xs)), color) for p, color in _COLORS.items()],
        },
        {
            "id": "chart-errors",
            "title": "Errors",
            "unit": "per second",
            "lines": [
                ("failed requests/s", per_second("failed"), "#c92a2a"),
                ("requests with error_code/s", per_second("errored"), "#f08c00"),
            ],
        },
    ]


def _charts(data: dict[str, Any]) -> tuple[str, str]:
    ts = data.get("timeseries")
    xs = list(((ts or {}).get("columns") or {}).get("t") or [])
    html_parts: list[str] = []
    js_specs: dict[str, Any] = {}
    for spec in _chart_specs(ts):
        lines = [Line(label, values, color) for label, values, color in spec["lines"]]
        html_parts.append(line_chart(spec["id"], spec["title"], spec["unit"], xs, lines))
        js_specs[spec["id"]] = {
            "xs": xs,
            "unit": spec["unit"],
            "lines": [{"label": line.label, "values": line.values} for line in lines],
        }
    return "\n".join(html_parts), embed_json(js_specs)


def _table(head: list[tuple[str, bool]], rows: list[list[tuple[str, str]]], empty: str) -> str:
    """head: (title, numeric); rows of (already-escaped html, css class)."""
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    out = ["<table><thead><tr>"]
    out.extend(f"<th{' class=n' if num else ''}>{escape(title)}</th>" for title, num in head)
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="{cls}">{cell}</td>' for cell, cls in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _status(ok: bool) -> tuple[str, str]:
    return ("PASS", "pass") if ok else ("FAIL", "fail")


def _breakdown_table(rows: list[dict[str, Any]], label: str, with_iterations: bool, empty: str) -> str:
    head = [(label, False), ("Requests", True), ("Failures", True), ("Failed %", True), ("p95", True)]
    if with_iterations:
        head.append(("Iterations", True))
    body = []
    for row in rows:
        cells = [
            (escape(str(row.get("key", ""))), "k"),
            (escape(str(row.get("requests", 0))), "n"),
            (escape(str(row.get("failures", 0))), "n"),
            (escape(_pct(row.get("failures", 0), row.get("requests", 0))), "n"),
            (escape(_fmt_ms(row.get("p95"))), "n"),
        ]
        if with_iterations:
            cells.append((escape(str(row.get("iterations", 0))), "n"))
        body.append(cells)
    return _table(head, body, empty)


def _failures_table(rows: list[dict[str, Any]]) -> str:
    head = [("Count", True), ("Status", True), ("Error code", True), ("Request", False), ("Error", False)]
    body = [
        [
            (escape(str(row.get("count", 0))), "n"),
            (escape(str(row.get("status") or "-")), "n"),
            (escape(str(row.get("error_code") or "-")), "n"),
            (escape(" ".join(str(row.get(k) or "") for k in ("method", "name")).strip()), "k"),
            (escape(str(row.get("error") or "")), "k"),
        ]
        for row in rows
    ]
    return _table(head, body, "No request failed.")


def _cards(data: dict[str, Any]) -> str:
    metrics = data.get("metrics") or {}
    reqs = (metrics.get("http_reqs") or {}).get("count", 0) or 0
    failed = metrics.get("http_req_failed") or {}
    duration = metrics.get("http_req_duration") or {}
    checks = data.get("checks") or []
    passes = sum(c["passes"] for c in checks)
    total = passes + sum(c["fails"] for c in checks)
    thresholds = data.get("thresholds") or []
    bad = sum(1 for t in thresholds if not t["ok"])
    cards = [
        ("Requests", str(int(reqs))),
        ("Failed requests", _pct(failed.get("passes", 0) or 0, reqs) if reqs else "-"),
        ("p95 duration", _fmt_ms(duration.get("p(95)"))),
        ("Checks passed", _pct(passes, total)),
        ("Thresholds", f"{len(thresholds) - bad}/{len(thresholds)} passed" if thresholds else "none"),
    ]
    return (
        '<div class="cards">'
        + "".join(f"<div class=card><span>{escape(k)}</span><b>{escape(v)}</b></div>" for k, v in cards)
        + "</div>"
    )


def _meta(meta: dict[str, Any]) -> str:
    rows = []
    duration = meta.get("duration_s")
    for key, label in (("script", "Script"), ("start_time", "Start time"), ("loadpy_version", "loadpy version")):
        if meta.get(key) is not None:
            rows.append((label, str(meta[key])))
    if isinstance(duration, int | float):
        rows.append(("Duration", f"{format_duration(duration)} ({duration:.3f} s)"))
    shown = {"script", "start_time", "loadpy_version", "duration_s", "options"}
    rows.extend((str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in meta.items() if k not in shown)
    out = "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"
    if meta.get("options") is not None:
        options = json.dumps(meta["options"], indent=2, sort_keys=True, default=str)
        out += f"<h3>Options</h3><pre>{escape(options)}</pre>"
    return out


def render_report(data: dict[str, Any]) -> str:
    """The whole report as one HTML document (from report_data() or load_results())."""
    meta = data.get("meta") or {}
    charts_html, charts_json = _charts(data)
    thresholds = [
        [(escape(t["metric"]), "k"), (escape(t["source"]), "k"), _status(t["ok"])] for t in data.get("thresholds") or []
    ]
    checks = [
        [
            (escape(c["path"]), "k"),
            (escape(str(c["passes"])), "n"),
            (escape(str(c["fails"])), "n"),
            (escape(_pct(c["passes"], c["passes"] + c["fails"])), "n"),
            _status(c["fails"] == 0),
        ]
        for c in data.get("checks") or []
    ]
    metric_rows = [
        [
            (escape(name), "k"),
            (escape("  ".join(f"{k}={_fmt_value(v)}" for k, v in values.items() if k != "thresholds")), "k"),
        ]
        for name, values in sorted((data.get("metrics") or {}).items())
        if isinstance(values, dict)
    ]
    omitted = int(data.get("names_omitted") or 0)
    title = f"loadpy report — {meta.get('script', 'run')}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>",
        '<body data-rendered="false">',
        f"<header><h1>{escape(title)}</h1><div class=sub>{escape(str(meta.get('start_time', '')))}</div></header>",
        "<main>",
        _cards(data),
        f'<section id="charts"><h2>Over time</h2><div class="charts">{charts_html}</div></section>',
        '<section id="thresholds"><h2>Thresholds</h2>'
        + _table([("Metric", False), ("Threshold", False), ("Result", False)], thresholds, "No thresholds.")
        + "</section>",
        '<section id="checks"><h2>Checks</h2>'
        + _table(
            [("Check", False), ("Passes", True), ("Fails", True), ("Pass %", True), ("Result", False)],
            checks,
            "No checks.",
        )
        + "</section>",
        '<section id="scenarios"><h2>Scenarios</h2>'
        + _breakdown_table(data.get("scenarios") or [], "Scenario", True, "No scenario data.")
        + "</section>",
        '<section id="names"><h2>Requests by name</h2>'
        + _breakdown_table(data.get("names") or [], "name", False, "No requests.")
        + (f'<p class="empty">{omitted} less busy names not shown.</p>' if omitted else "")
        + "</section>",
        '<section id="failures"><h2>Failed requests, by reason</h2>'
        + _failures_table(data.get("failures") or [])
        + "</section>",
        '<section id="metrics"><h2>Metrics</h2>'
        + _table([("Metric", False), ("Values", False)], metric_rows, "No metrics.")
        + "</section>",
        f'<section id="meta"><h2>Run</h2>{_meta(meta)}</section>',
        "</main>",
        f'<script type="application/json" id="{DATA_ELEMENT_ID}">{embed_json(data)}</script>',
        f'<script type="application/json" id="loadpy-chart-data">{charts_json}</script>',
        f"<script>{_JS}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(path: str | Path, data: dict[str, Any]) -> None:
    """Render `data` and write the HTML file (`loadpy report -o`; see loadpy.outputs.files for how).

    ConfigError (104) when the path can't be written to at all, LoadpyError (255) when writing fails.
    """
    check_writable(str(path), "--output")
    try:
        write_file(str(path), render_report(data))
    except OSError as exc:
        raise LoadpyError(f"could not write the report {path}: {describe_os_error(exc)}") from None
