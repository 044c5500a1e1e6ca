"""--summary-export and handle_summary data shapes against samples/*.json (k6 v1.1.0)."""

from __future__ import annotations

import json

import pytest

from loadpy.metrics.metric import Contains, MetricType
from loadpy.summary import build_summary, export_json, handle_summary_data
from loadpy.summary.humanize import humanize_bytes, humanize_generic_duration, humanize_value, js_str, to_fixed

from .sample_run import SAMPLES, sample_registry

STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"]


def load(name: str) -> dict:
    with open(f"{SAMPLES}/{name}", encoding="utf-8") as handle:
        return json.load(handle)


def built(setup_data: object = None):
    reg, th = sample_registry()
    th.evaluate(1.57, final=True)
    return build_summary(
        reg,
        th,
        test_run_duration_s=1.574961447,
        summary_trend_stats=STATS,
        summary_time_unit=None,
        setup_data=setup_data,
    )


def test_summary_export_has_k6s_keys_per_metric() -> None:
    want = load("summary-export.json")
    got = json.loads(json.dumps(export_json(built({"token": "abc", "n": 1}))))
    assert got.keys() == want.keys()
    assert got["metrics"].keys() == want["metrics"].keys()
    for name, values in want["metrics"].items():
        assert got["metrics"][name].keys() == values.keys(), name
        assert got["metrics"][name].get("thresholds") == values.get("thresholds"), name
    assert got["root_group"] == want["root_group"]
    assert got["setup_data"] == want["setup_data"]
    for name in ("http_reqs", "iterations", "my_counter", "checks", "http_req_failed", "my_rate", "my_gauge", "vus"):
        counts = {k: v for k, v in want["metrics"][name].items() if k in ("count", "passes", "fails", "min", "max")}
        assert {k: got["metrics"][name][k] for k in counts} == counts, name


def test_summary_export_rate_and_counter_values() -> None:
    got = export_json(built())
    assert got["metrics"]["http_req_failed"]["value"] == pytest.approx(1 / 3)
    assert got["metrics"]["my_counter"]["rate"] == pytest.approx(6 / 1.574961447)
    assert isinstance(got["metrics"]["http_reqs"]["count"], int)
    assert "setup_data" not in got


def test_handle_summary_data_shape() -> None:
    want = load("handle-summary-data.json")
    got = json.loads(json.dumps(handle_summary_data(built({"token": "abc", "n": 1}))))
    assert got.keys() == want.keys()
    assert got["options"] == want["options"]
    assert got["state"] == want["state"]
    assert got["root_group"] == want["root_group"]
    assert got["metrics"].keys() == want["metrics"].keys()
    for name, entry in want["metrics"].items():
        mine = got["metrics"][name]
        assert mine.keys() == entry.keys(), name
        assert (mine["type"], mine["contains"]) == (entry["type"], entry["contains"]), name
        assert mine["values"].keys() == entry["values"].keys(), name
        assert mine.get("thresholds") == entry.get("thresholds"), name


def test_threshold_submetrics_are_listed_even_without_samples() -> None:
    reg, _ = sample_registry()
    from loadpy.metrics.thresholds import Thresholds

    th = Thresholds.parse({"http_reqs{my_tag:x}": ["count==0"], "ws_ping": ["p(95)<10"]}, reg)
    th.evaluate(1.0, final=True)
    data = handle_summary_data(
        build_summary(reg, th, test_run_duration_s=1.0, summary_trend_stats=STATS, summary_time_unit=None)
    )["metrics"]
    assert data["http_reqs{my_tag:x}"]["values"] == {"count": 0, "rate": 0}
    assert data["http_reqs{my_tag:x}"]["thresholds"] == {"count==0": {"ok": True}}
    assert data["ws_ping"]["values"] == dict.fromkeys(STATS, 0)
    assert data["ws_ping"]["thresholds"] == {"p(95)<10": {"ok": True}}
    assert "ws_sessions" not in data


@pytest.mark.parametrize(
    ("value", "mtype", "contains", "text"),
    [
        (2 / 3, MetricType.RATE, Contains.DEFAULT, "66.66%"),
        (1.0, MetricType.RATE, Contains.DEFAULT, "100.00%"),
        (0.0, MetricType.TREND, Contains.TIME, "0s"),
        (0.0005, MetricType.TREND, Contains.TIME, "500ns"),
        (0.59628999, MetricType.TREND, Contains.TIME, "596.28µs"),
        (21.4099, MetricType.TREND, Contains.TIME, "21.4ms"),
        (2.0, MetricType.TREND, Contains.TIME, "2ms"),
        (1574.96, MetricType.TREND, Contains.TIME, "1.57s"),
        (90_500.0, MetricType.TREND, Contains.TIME, "1m30s"),
        (3_723_000.0, MetricType.TREND, Contains.TIME, "1h2m3s"),
        (1409.0, MetricType.COUNTER, Contains.DATA, "1.4 kB"),
        (139.0, MetricType.COUNTER, Contains.DATA, "139 B"),
        (44_449.0, MetricType.COUNTER, Contains.DATA, "44 kB"),
        (3.0, MetricType.COUNTER, Contains.DATA, "3 B"),
        (3.8133114, MetricType.COUNTER, Contains.DEFAULT, "3.813311"),
        (1.5, MetricType.TREND, Contains.DEFAULT, "1.5"),
        (0.000001, MetricType.TREND, Contains.DEFAULT, "0.000001"),
        (0.0000004, MetricType.TREND, Contains.DEFAULT, "0"),
    ],
)
def test_humanize_rules(value: float, mtype: MetricType, contains: Contains, text: str) -> None:
    assert humanize_value(value, mtype, contains, None) == text


def test_js_number_semantics() -> None:
    assert to_fixed(0.125, 2) == "0.13"  # JS rounds the exact binary half up; Python would give 0.12
    assert to_fixed(1.005, 2) == "1.00"  # 1.005 is 1.00499999... in binary
    assert to_fixed(10.275, 2) == "10.28"
    assert js_str(1e21) == "1e+21" and js_str(1.5e-7) == "1.5e-7" and js_str(123.0) == "123"
    assert humanize_bytes(999_999) == "1000 kB"
    assert humanize_generic_duration(59_999.999) == "59.99s"
