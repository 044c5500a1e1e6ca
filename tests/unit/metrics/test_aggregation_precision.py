"""Sink merging across registries (worker snapshots), percentile precision and C42."""

from __future__ import annotations

import math
import random

import pytest

from loadpy.metrics import Registry, tagset
from loadpy.metrics.sinks import EXACT_LIMIT, TrendSink
from loadpy.metrics.thresholds import Thresholds
from loadpy.summary import build_summary, handle_summary_data

STATS = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "p(99.9)", "count"]


def exact_percentile(ordered: list[float], pct: float) -> float:
    pos = pct / 100 * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def feed(reg: Registry, rng: random.Random, n: int) -> None:
    dur, reqs, failed, vus = (reg.metrics[m] for m in ("http_req_duration", "http_reqs", "http_req_failed", "vus"))
    for _ in range(n):
        tags = tagset({"status": rng.choice(["200", "404"]), "name": rng.choice(["a", "b"])})
        reg.add(dur, tags, rng.expovariate(0.05))
        reg.add(reqs, tags, 1)
        reg.add(failed, tags, dict(tags)["status"] == "404")
    reg.add(vus, (), 3)


def summary_data(reg: Registry) -> dict:
    th = Thresholds.parse({"http_req_duration{status:200}": ["p(99)<1e9"]}, reg)
    th.evaluate(10.0, final=True)
    return handle_summary_data(
        build_summary(reg, th, test_run_duration_s=10.0, summary_trend_stats=STATS, summary_time_unit=None)
    )["metrics"]


@pytest.mark.parametrize("per_worker", [50, 6_000])  # exact stores, and merged past EXACT_LIMIT
def test_merged_worker_snapshots_equal_one_registry(per_worker: int) -> None:
    single, merged = Registry(), Registry()
    for seed in range(3):
        feed(single, random.Random(seed), per_worker)
        worker = Registry()
        feed(worker, random.Random(seed), per_worker)
        merged.merge_snapshot(worker.snapshot())
    want, got = summary_data(single), summary_data(merged)
    assert got.keys() == want.keys()
    for name in want:
        for key, value in want[name]["values"].items():
            assert got[name]["values"][key] == pytest.approx(value, rel=1e-3 if per_worker > 1000 else 1e-12), (
                name,
                key,
            )
    assert got["http_reqs"]["values"]["count"] == 3 * per_worker


@pytest.mark.parametrize("seed", [7, 8])
def test_percentiles_within_a_tenth_of_a_percent_past_100k_values(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.lognormvariate(2.0, 1.0) for _ in range(120_000)]
    reg = Registry()
    metric = reg.metrics["http_req_duration"]
    sinks = [reg.sink(metric, tagset({"status": s})) for s in ("200", "201", "500")]
    for i, v in enumerate(values):
        sinks[i % 3].add(v)
    merged = reg.aggregate(metric)
    assert isinstance(merged, TrendSink) and merged.count > EXACT_LIMIT and not merged.exact
    ordered = sorted(values)
    for pct in (0, 0.1, 1, 5, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100):
        want = exact_percentile(ordered, pct)
        assert abs(merged.percentile(pct) - want) <= want * 0.001, pct
    assert merged.avg() == pytest.approx(sum(values) / len(values), rel=1e-12)


def test_c42_trend_stats_exact() -> None:
    reg = Registry()
    reg.define("tt", "trend")
    for v in range(1, 11):
        reg.add(reg.metrics["tt"], (), float(v))
    stats = ["avg", "min", "med", "max", "p(90)", "p(99)", "p(99.99)", "count"]
    data = handle_summary_data(
        build_summary(reg, None, test_run_duration_s=1.0, summary_trend_stats=stats, summary_time_unit=None)
    )
    values = data["metrics"]["tt"]["values"]
    assert list(values) == stats
    assert values["avg"] == 5.5 and values["min"] == 1 and values["med"] == 5.5 and values["max"] == 10
    assert values["p(90)"] == pytest.approx(9.1, abs=1e-12)
    assert values["p(99)"] == pytest.approx(9.91, abs=1e-12)
    assert values["p(99.99)"] == pytest.approx(9.9991, abs=1e-12)
    assert values["count"] == 10 and isinstance(values["count"], int)
