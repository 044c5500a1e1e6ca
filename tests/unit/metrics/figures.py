"""What the end-of-test summary reads from a registry, series by series: two registries that give
the same figures give the same summary."""

from __future__ import annotations

from typing import Any

from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import TrendSink


def summary_figures(reg: Registry) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for metric, tags, sink in reg.all_series():
        if isinstance(sink, TrendSink):
            stats = sink.values(1.0, ["count", "min", "max", "med", "p(90)", "p(99)"])
            out[f"{metric.name}{tags}"] = {**stats, "sum": round(sink.sum, 6), "exact": sink.exact}
        else:
            out[f"{metric.name}{tags}"] = sink.values(1.0)
    out["checks"] = [(c.path, c.passes, c.fails) for g in reg.groups.root.walk() for c in g.checks.values()]
    return out
