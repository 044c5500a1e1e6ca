"""How options shape the summary (k6 v1.1.0 behaviour, checked with the binary; see
tests/conformance/cases_metrics.py): systemTags and root_group, submetrics of thresholds that are
not evaluated (--no-thresholds), an empty summaryTrendStats."""

from __future__ import annotations

import logging

import pytest

from loadpy.metrics import Registry, tagset
from loadpy.metrics.selectors import unevaluated_submetric_keys
from loadpy.summary import build_summary, export_json, render_text

from .sample_run import sample_registry


def _summary(reg: Registry, **kw: object):  # type: ignore[no-untyped-def]
    return build_summary(reg, None, test_run_duration_s=1.0, summary_trend_stats=None, summary_time_unit=None, **kw)


def test_root_group_follows_the_group_and_check_system_tags() -> None:
    reg, _ = sample_registry()
    full = export_json(_summary(reg, system_tags={"group", "check", "status"}))["root_group"]
    assert sorted(full["checks"]) and sorted(full["groups"]) == ["api"]
    no_check = export_json(_summary(reg, system_tags={"group", "status"}))["root_group"]
    assert no_check["checks"] == {} and no_check["groups"]["api"]["checks"] == {}
    assert no_check["groups"]["api"]["groups"]["nested"]["path"] == "::api::nested"
    for tags in ({"check", "status"}, {"status", "method"}):
        bare = export_json(_summary(reg, system_tags=tags))["root_group"]
        assert bare == {"name": "", "path": "", "id": full["id"], "groups": {}, "checks": {}}
    # the registry's own tree (JUnit, REST API) keeps everything
    assert export_json(_summary(reg))["root_group"] == full


def test_check_totals_count_check_samples_without_a_check_tag() -> None:
    reg = Registry()
    checks = reg.sink(reg.metrics["checks"], tagset({"status": "200"}))
    for passed in (1.0, 1.0, 0.0):
        checks.add(passed)
    text = render_text(_summary(reg, system_tags={"status"}))
    assert "checks_total.......................: 3 " in text
    assert "checks_succeeded...................: 66.66% 2 out of 3" in text
    assert "✓" not in text and "✗" not in text


def test_unevaluated_threshold_submetrics_are_listed_once_they_have_samples(caplog: pytest.LogCaptureFixture) -> None:
    reg = Registry()
    reqs = reg.metrics["http_reqs"]
    reg.sink(reqs, tagset({"status": "404", "method": "GET"})).add(1.0)
    reg.sink(reqs, tagset({"status": "404", "method": "POST"})).add(1.0)
    spec = {
        "http_reqs{ status: 404 }": ["count>=bogus"],  # expressions are not read
        "http_reqs{status:500}": ["count<1"],  # no samples: not listed
        "checks{check:x}": ["rate>0"],  # neither is its parent `checks`, never observed
        "http_reqs": ["count>0"],
        "nosuch{a:b}": ["count>0"],
        "http_reqs{status": ["count>0"],
    }
    with caplog.at_level(logging.WARNING, logger="loadpy.metrics"):
        keys = unevaluated_submetric_keys(spec, reg)
    assert [k.display_name for k in keys] == ["http_reqs{status: 404}", "http_reqs{status:500}", "checks{check:x}"]
    assert [r.getMessage() for r in caplog.records] == [
        "Invalid metric 'nosuch{a:b}' in threshold definitions: metric 'nosuch' does not exist in the script",
        "Invalid metric 'http_reqs{status' in threshold definitions: unable to validate threshold expressions; "
        'reason: parsing metric name failed, metric "http_reqs{status" has unmatched opening/close curly brace',
    ]
    metrics = export_json(_summary(reg, submetric_keys=keys))["metrics"]
    assert metrics["http_reqs{status: 404}"] == {"count": 2, "rate": 2}
    assert sorted(metrics) == ["http_reqs", "http_reqs{status: 404}"]


def test_an_empty_trend_stats_list_exports_trends_without_values() -> None:
    reg, _ = sample_registry()
    summary = build_summary(reg, None, test_run_duration_s=1.0, summary_trend_stats=[], summary_time_unit=None)
    metrics = export_json(summary)["metrics"]
    assert metrics["http_req_duration"] == {} and metrics["my_trend"] == {}
    assert metrics["http_reqs"]["count"] == 18
    line = next(x for x in render_text(summary).split("\n") if x.startswith("    http_req_duration"))
    assert line.endswith(": ")
