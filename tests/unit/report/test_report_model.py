"""The report is read from the summary model, as every end-of-run output is. For fixed registries (nested
groups, checks, thresholds on metrics and submetrics, failed and passed, systemTags without `check`), the
page rendered from the model is byte for byte the page built from the --summary-export document of the
same summary, which is what the report read before the model existed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pytest

from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import tagset
from loadpy.metrics.thresholds import Thresholds
from loadpy.report import TimeSeriesRecorder, render_report, report_data
from loadpy.summary import build_summary, export_json

THRESHOLDS = {
    "http_req_duration": ["p(95)<20", "avg<100", "p(99.9)<5"],
    "http_req_duration{name:/p/1}": ["max<10"],
    "http_req_failed": ["rate<0.01"],
    "checks": ["rate>0.9"],
    "http_reqs": ["count>10", "rate>1"],
    "iterations{scenario:none}": ["count>0"],
}


def fixed_run(reg: Registry) -> TimeSeriesRecorder:
    """12 half-second steps of 7 requests over two scenarios and four names, one failing in three
    steps, checks at the root and in group buy::pay, recorded as the report records them."""
    m, root = reg.metrics, reg.groups.root
    rec = TimeSeriesRecorder(reg, interval_s=0.5)
    rec.begin()
    assert rec.started_mono is not None
    rec.started_wall_ns = 1_700_000_000_000_000_000
    for step in range(12):
        reg.sink(m["vus"], ()).add(1 + step % 3)
        for i in range(7):
            bad = i == 0 and step % 3 == 0
            failure = {"error_code": "1211", "error": "timeout"} if bad else {}
            check = root.group("buy").group("pay").check("paid") if i > 4 else root.check("top")
            tags = {"scenario": "shop" if i % 2 else "browse", "name": f"/p/{i % 4}", "status": "0" if bad else "200"}
            series = tagset({**tags, "method": "GET", **failure})
            reg.sink(m["http_reqs"], series).add(1)
            reg.sink(m["http_req_duration"], series).add(1.25 + step * 3 + i * 0.7)
            reg.sink(m["http_req_failed"], series).add(bad)
            reg.sink(m["checks"], tagset({"check": check.name})).add(not bad)
            check.passes += not bad
            check.fails += bad
        reg.sink(m["iterations"], tagset({"scenario": "shop"})).add(3)
        rec.tick(rec.started_mono + 0.5 * (step + 1))
    return rec


def export_checks(group: dict[str, Any]) -> list[dict[str, Any]]:
    own = [{k: c[k] for k in ("path", "name", "passes", "fails")} for c in group["checks"].values()]
    return own + [check for child in group["groups"].values() for check in export_checks(child)]


@pytest.mark.parametrize(
    ("thresholds", "system_tags"),
    [(THRESHOLDS, None), (None, None), (THRESHOLDS, ["scenario", "name", "status", "group"])],
    ids=["thresholds", "no-thresholds", "no-check-tag"],
)
def test_report_from_the_model_is_the_report_from_the_export(
    thresholds: dict[str, list[str]] | None, system_tags: Collection[str] | None
) -> None:
    reg = Registry()
    parsed = Thresholds.parse(thresholds, reg) if thresholds is not None else None
    rec = fixed_run(reg)
    if parsed is not None:
        parsed.evaluate(6.0, final=True)
    summary = build_summary(
        reg, parsed, test_run_duration_s=6.0, summary_trend_stats=None, summary_time_unit=None, system_tags=system_tags
    )
    data = report_data(reg, summary, rec, {"script": "shop.js", "duration_s": 6.0, "options": {"vus": 3}})

    export = export_json(summary)
    assert data["metrics"] == export["metrics"]
    assert data["checks"] == export_checks(export["root_group"])
    verdicts = [(t["metric"], t["source"], t["ok"]) for t in data["thresholds"]]
    exported = [
        (metric, source, not failed)
        for metric, entry in export["metrics"].items()
        for source, failed in entry.get("thresholds", {}).items()
    ]
    assert sorted(verdicts) == sorted(exported)
    from_export = {**data, "metrics": export["metrics"], "checks": export_checks(export["root_group"])}
    assert render_report(data) == render_report(from_export)

    if system_tags is None:
        assert data["checks"] == [
            {"path": "::top", "name": "top", "passes": 56, "fails": 4},
            {"path": "::buy::pay::paid", "name": "paid", "passes": 24, "fails": 0},
        ]
    else:  # k6 builds root_group from the `check` tag: without it there are no checks
        assert data["checks"] == []
    if thresholds is not None:
        assert [t for t in verdicts if not t[2]] == [
            ("http_req_duration", "p(95)<20", False),
            ("http_req_duration", "p(99.9)<5", False),
            ("http_req_duration{name:/p/1}", "max<10", False),
            ("http_req_failed", "rate<0.01", False),
            ("iterations{scenario:none}", "count>0", False),  # a counter without samples counts 0
        ]
        assert data["thresholds"][0]["observed"] == pytest.approx(35.62)
    else:
        assert data["thresholds"] == []
