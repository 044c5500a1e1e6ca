"""The two JSON shapes of the summary: handle_summary's `data` (k6 §12.1) and the legacy
--summary-export file (k6 §12.2: groups/checks keyed by name, flat metric values, rate
`value`, thresholds `{source: failed}`). Whole-number floats are written as integers,
like Go's encoder; non-finite numbers (which Go cannot encode) become null."""

from __future__ import annotations

import math
from typing import Any

from loadpy.metrics.groups import GroupNode
from loadpy.metrics.metric import MetricType
from loadpy.summary.model import MetricSummary, Summary


def json_number(value: float) -> float | int | None:
    if not math.isfinite(value):
        return None
    if value == int(value) and abs(value) < 2**53:
        return int(value)
    return value


def _values(m: MetricSummary) -> dict[str, Any]:
    return {k: json_number(v) for k, v in m.values.items()}


def _group_arrays(group: GroupNode) -> dict[str, Any]:
    return {
        "name": group.name,
        "path": group.path,
        "id": group.id,
        "groups": [_group_arrays(g) for g in group.groups.values()],
        "checks": [
            {"name": c.name, "path": c.path, "id": c.id, "passes": c.passes, "fails": c.fails}
            for c in group.checks.values()
        ],
    }


def _group_objects(group: GroupNode) -> dict[str, Any]:
    return {
        "name": group.name,
        "path": group.path,
        "id": group.id,
        "groups": {g.name: _group_objects(g) for g in group.groups.values()},
        "checks": {
            c.name: {"name": c.name, "path": c.path, "id": c.id, "passes": c.passes, "fails": c.fails}
            for c in group.checks.values()
        },
    }


def handle_summary_data(summary: Summary) -> dict[str, Any]:
    """The `data` object k6 passes to handleSummary()."""
    metrics: dict[str, Any] = {}
    for name, m in summary.metrics.items():
        entry: dict[str, Any] = {"type": m.type.value, "contains": m.contains.value, "values": _values(m)}
        if m.thresholds:
            entry["thresholds"] = {t.source: {"ok": t.ok} for t in m.thresholds}
        metrics[name] = entry
    data: dict[str, Any] = {
        "root_group": _group_arrays(summary.root_group),
        "options": {
            "summaryTrendStats": list(summary.summary_trend_stats),
            "summaryTimeUnit": summary.summary_time_unit or "",
            "noColor": summary.no_color,
        },
        "state": {
            "isStdOutTTY": summary.is_stdout_tty,
            "isStdErrTTY": summary.is_stderr_tty,
            "testRunDurationMs": summary.test_run_duration_s * 1000.0,
        },
        "metrics": metrics,
    }
    if summary.setup_data is not None:
        data["setup_data"] = summary.setup_data
    return data


def export_metrics(summary: Summary) -> dict[str, Any]:
    """The --summary-export document's `metrics`: flat values, a rate's as `value`, thresholds `{source: failed}`."""
    metrics: dict[str, Any] = {}
    for name, m in summary.metrics.items():
        entry = _values(m)
        if m.thresholds:
            entry["thresholds"] = {t.source: not t.ok for t in m.thresholds}
        if m.type is MetricType.RATE and "rate" in entry:
            entry["value"] = entry.pop("rate")
        metrics[name] = entry
    return metrics


def export_json(summary: Summary) -> dict[str, Any]:
    """The --summary-export document (write it with json.dump(..., indent=4))."""
    data: dict[str, Any] = {"root_group": _group_objects(summary.root_group), "metrics": export_metrics(summary)}
    if summary.setup_data is not None:
        data["setup_data"] = summary.setup_data
    return data
