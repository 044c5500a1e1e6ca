"""The report's data: one JSON-serialisable dict built at the end of a run, saved to a results
file, and rendered (now or later, by `loadpy report results.json -o report.html`).

Shape (FORMAT "loadpy-report/1"):
    meta        script, start_time (ISO 8601 UTC), duration_s, loadpy_version, options ...
    timeseries  TimeSeriesRecorder.to_dict() or None
    scenarios   [{key, requests, failures, p50, p90, p95, p99, iterations}] per `scenario` tag
    names       [{key, requests, failures, p50, p90, p95, p99}] per `name` tag, busiest first, at most
                MAX_NAME_ROWS (percentiles of http_req_duration in ms, None without a request)
    names_omitted  how many `name` values were left out of `names`
    failures    [{count, method, name, status, error_code, error}] failed requests by reason, most first
    statuses    [{key, requests}] http_reqs per `status` tag, most first
    error_codes [{key, requests}] http_reqs per `error_code` tag, most first
    checks      [{path, name, passes, fails}] every check of the summary's group tree, depth first
    thresholds  [{metric, source, ok, stat, observed}]: `observed` is the value the threshold
                compared (None when unknown: no data, or a file from before the field existed)
    metrics     the summary's metric values as --summary-export writes them (flat, a rate's as `value`)
    units       {metric: {type, contains}} so every value is shown with its unit

Fields were added over time under the same FORMAT; readers treat each one as optional, so
results files of every loadpy version render.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any

from loadpy.errors import ConfigError
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import CounterSink, RateSink, TrendSink
from loadpy.outputs.files import write_file
from loadpy.report.timeseries import PERCENTILES, TimeSeriesRecorder
from loadpy.summary.export import export_metrics
from loadpy.summary.failures import collect_failures
from loadpy.summary.model import Summary
from loadpy.version import __version__

FORMAT = "loadpy-report/1"
MAX_NAME_ROWS = 500
DATA_ELEMENT_ID = "loadpy-report-data"
_EMBEDDED = re.compile(rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>', re.DOTALL)


def report_data(
    registry: Registry,
    summary: Summary,
    recorder: TimeSeriesRecorder | None,
    meta: dict[str, Any],
    max_names: int = MAX_NAME_ROWS,
) -> dict[str, Any]:
    """Everything the report shows: checks, thresholds and metric values from the summary model (the one
    every end-of-run output reads), the per-tag tables and units from the registry it was built from.
    `meta` holds script, start_time, duration_s, options; `max_names` bounds the per-name table (the live
    dashboard keeps it short: it is rebuilt every period)."""
    full_meta: dict[str, Any] = {"loadpy_version": __version__, **meta}
    if "start_time" not in full_meta and recorder is not None and recorder.started_wall_ns is not None:
        started = dt.datetime.fromtimestamp(recorder.started_wall_ns / 1e9, tz=dt.UTC)
        full_meta["start_time"] = started.isoformat(timespec="seconds")
    names, names_omitted = _breakdown(registry, "name", max_names)
    scenarios, _ = _breakdown(registry, "scenario")
    scenarios.sort(key=lambda row: row["key"])
    failures = summary.failures or collect_failures(registry)
    return {
        "format": FORMAT,
        "meta": full_meta,
        "timeseries": recorder.to_dict() if recorder is not None else None,
        "scenarios": scenarios,
        "names": names,
        "names_omitted": names_omitted,
        "failures": [asdict(row) for row in failures.rows],
        "statuses": _request_counts(registry, "status"),
        "error_codes": _request_counts(registry, "error_code"),
        "checks": [
            {"path": c.path, "name": c.name, "passes": c.passes, "fails": c.fails} for c in summary.check_results()
        ],
        "thresholds": [
            {"metric": t.metric, "source": t.source, "ok": t.ok, "stat": t.stat, "observed": t.value}
            for t in summary.threshold_results()
        ],
        "metrics": export_metrics(summary),
        "units": {
            name: {"type": str(metric.type), "contains": str(metric.contains)}
            for name, metric in registry.metrics.items()
        },
    }


def _request_counts(registry: Registry, key: str) -> list[dict[str, Any]]:
    """http_reqs per value of tag `key`, most first (then by value)."""
    counts: dict[str, float] = defaultdict(float)
    for tags, sink in registry.series(registry.metrics["http_reqs"]).items():
        value = dict(tags).get(key)
        if value is not None:
            assert isinstance(sink, CounterSink)
            counts[value] += sink.total
    rows: list[dict[str, Any]] = [{"key": value, "requests": int(total)} for value, total in counts.items()]
    rows.sort(key=lambda row: (-row["requests"], row["key"]))
    return rows


def _breakdown(registry: Registry, key: str, max_rows: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Requests, failures, percentiles (and iterations) per value of tag `key`, merged over series;
    with `max_rows`, only the busiest values (their durations alone are merged: the costly part).
    Returns the rows and how many values were left out."""
    metrics = registry.metrics
    reqs: dict[str, float] = defaultdict(float)
    fails: dict[str, int] = defaultdict(int)
    iters: dict[str, float] = defaultdict(float)
    duration_series: dict[str, list[TrendSink]] = defaultdict(list)
    for tags, sink in registry.series(metrics["http_reqs"]).items():
        value = dict(tags).get(key)
        if value is not None:
            assert isinstance(sink, CounterSink)
            reqs[value] += sink.total
    for tags, sink in registry.series(metrics["http_req_failed"]).items():
        value = dict(tags).get(key)
        if value is not None:
            assert isinstance(sink, RateSink)
            fails[value] += sink.trues
    for tags, sink in registry.series(metrics["http_req_duration"]).items():
        value = dict(tags).get(key)
        if value is not None:
            assert isinstance(sink, TrendSink)
            duration_series[value].append(sink)
    if key == "scenario":
        for tags, sink in registry.series(metrics["iterations"]).items():
            value = dict(tags).get(key)
            if value is not None:
                assert isinstance(sink, CounterSink)
                iters[value] += sink.total
    values = sorted(set(reqs) | set(iters) | set(duration_series), key=lambda v: (-reqs.get(v, 0), v))
    kept = values if max_rows is None else values[:max_rows]
    rows: list[dict[str, Any]] = []
    for value in kept:
        trend = TrendSink()
        for sink in duration_series.get(value, ()):
            trend.merge(sink)
        row: dict[str, Any] = {
            "key": value,
            "requests": int(reqs.get(value, 0)),
            "failures": fails.get(value, 0),
        }
        for label, pct in PERCENTILES:
            row[label] = None if trend.empty else trend.percentile(pct)
        if key == "scenario":
            row["iterations"] = int(iters.get(value, 0))
        rows.append(row)
    return rows, len(values) - len(kept)


# -- results files ---------------------------------------------------------------------
def results_json(data: dict[str, Any]) -> str:
    """The report data as a results file, for `loadpy report` to render later."""
    return json.dumps(data, indent=1, sort_keys=False)


def save_results(path: str | Path, data: dict[str, Any]) -> None:
    """Write the report data as JSON (see loadpy.outputs.files for how files are replaced)."""
    write_file(str(path), results_json(data))


def embed_json(data: dict[str, Any]) -> str:
    """JSON that is safe inside a <script> element (no `</script>` or `<!--` can appear)."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a results file written by save_results, or the data embedded in an HTML report.
    ConfigError (exit 104) when it is missing, unreadable or not loadpy report data."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the results file: {exc}", file=name) from None
    if text.lstrip().startswith("<"):
        found = _EMBEDDED.search(text)
        if found is None:
            raise ConfigError("this HTML file holds no loadpy report data", file=name)
        text = found.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"the results file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            file=name,
            line=exc.lineno,
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(
            f'not a loadpy results file: expected a JSON object with "format": "{FORMAT}"',
            file=name,
            hint="give the JSON results saved by a run, or an HTML report loadpy wrote",
        )
    return data
