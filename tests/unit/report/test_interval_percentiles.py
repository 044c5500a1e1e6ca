"""Interval percentiles: TrendSink.bucket_counts() diffs read by percentile_from_buckets, and the
recorder's per-interval points (exact counts, percentiles within 0.1 % of the exact ones)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import EXACT_LIMIT, TrendSink, percentile_from_buckets, percentiles_from_buckets
from loadpy.metrics.tags import tagset
from loadpy.report.timeseries import TimeSeriesRecorder


def exact_percentile(values: list[float], pct: float) -> float:
    sink = TrendSink()
    for v in values:
        sink.add(v)
    assert len(values) <= EXACT_LIMIT
    return sink.percentile(pct)


def test_bucket_counts_incremental_cache_matches_a_full_bucketing() -> None:
    rng = random.Random(1)
    sink = TrendSink()
    for _ in range(700):
        sink.add(rng.uniform(0.1, 900.0))
    first = sink.bucket_counts()
    for _ in range(300):
        sink.add(rng.uniform(0.1, 900.0))
    second = sink.bucket_counts()
    fresh = TrendSink()
    fresh.merge(sink)
    assert second == fresh.bucket_counts()
    assert sum(first.values()) == 700
    assert sum(second.values()) == 1000
    # A copy: mutating it leaves the sink's cache alone.
    second.clear()
    assert sum(sink.bucket_counts().values()) == 1000


def test_bucket_counts_survive_the_switch_from_exact_store_to_histogram() -> None:
    sink = TrendSink()
    for i in range(EXACT_LIMIT - 10):
        sink.add(float(i % 500 + 1))
    before = sink.bucket_counts()
    assert sink.exact
    for i in range(5000):
        sink.add(float(i % 50 + 1000))
    after = sink.bucket_counts()
    assert not sink.exact
    interval = after - before
    assert sum(interval.values()) == 5000
    assert percentile_from_buckets(interval, 50) == pytest.approx(
        exact_percentile([float(i % 50 + 1000) for i in range(5000)], 50), rel=1e-3
    )


def test_percentile_from_buckets_edges() -> None:
    assert percentile_from_buckets(Counter(), 95) == 0.0
    sink = TrendSink()
    sink.add(42.0)
    counts = sink.bucket_counts()
    assert percentile_from_buckets(counts, 0) == pytest.approx(42.0, rel=1e-3)
    assert percentile_from_buckets(counts, 100) == pytest.approx(42.0, rel=1e-3)
    # Negative and zero counts (left over from diffing) are ignored.
    counts[12345] = -3
    assert percentile_from_buckets(counts, 50) == pytest.approx(42.0, rel=1e-3)


def test_each_interval_percentiles_match_the_exact_ones() -> None:
    rng = random.Random(7)
    reg = Registry()
    m = reg.metrics
    rec = TimeSeriesRecorder(reg, interval_s=1.0)
    rec.begin()
    start = rec.started_mono
    assert start is not None
    a = tagset({"name": "a", "scenario": "s"})
    b = tagset({"name": "b", "scenario": "s", "error_code": "1211"})
    first = [rng.lognormvariate(3.0, 0.6) for _ in range(3000)]
    second = [rng.uniform(200.0, 400.0) for _ in range(2000)]
    for i, v in enumerate(first):
        tags = a if i % 3 else b
        reg.sink(m["http_req_duration"], tags).add(v)
        reg.sink(m["http_reqs"], tags).add(1)
        reg.sink(m["http_req_failed"], tags).add(tags is b)
    reg.sink(m["iterations"], tagset({"scenario": "s"})).add(1500)
    reg.sink(m["vus"], ()).add(10)
    p1 = rec.tick(start + 1.0)
    for v in second:
        reg.sink(m["http_req_duration"], a).add(v)
        reg.sink(m["http_reqs"], a).add(1)
        reg.sink(m["http_req_failed"], a).add(False)
    reg.sink(m["iterations"], tagset({"scenario": "s"})).add(1000)
    reg.sink(m["vus"], ()).add(4)
    p2 = rec.tick(start + 2.5)
    p3 = rec.tick(start + 3.0)

    assert (p1.t, p1.dt, p1.reqs, p1.iters, p1.failed, p1.errored, p1.vus) == pytest.approx(
        (1.0, 1.0, 3000, 1500, 1000, 1000, 10)
    )
    assert (p2.t, p2.dt, p2.reqs, p2.iters, p2.failed, p2.errored, p2.vus) == pytest.approx(
        (2.5, 1.5, 2000, 1000, 0, 0, 4)
    )
    for name, pct in (("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99)):
        assert getattr(p1, name) == pytest.approx(exact_percentile(first, pct), rel=1e-3), name
        assert getattr(p2, name) == pytest.approx(exact_percentile(second, pct), rel=1e-3), name
    # An interval with no requests has no latency, and zero counts.
    assert (p3.reqs, p3.p50, p3.p99) == (0, None, None)
    assert rec.to_dict()["columns"]["reqs"] == [3000, 2000, 0]


def test_downsampling_keeps_memory_bounded_and_totals_exact() -> None:
    reg = Registry()
    reqs = reg.sink(reg.metrics["http_reqs"], ())
    dur = reg.sink(reg.metrics["http_req_duration"], ())
    rec = TimeSeriesRecorder(reg, interval_s=1.0, max_points=8)
    rec.begin()
    start = rec.started_mono
    assert start is not None
    for second in range(1, 101):
        for _ in range(second):
            reqs.add(1)
            dur.add(float(second))
        rec.tick(start + second)
        assert len(rec.points) < 8
    assert sum(p.reqs for p in rec.points) == sum(range(1, 101))
    assert sum(p.dt for p in rec.points) == pytest.approx(100.0)
    assert rec.points[-1].t == pytest.approx(100.0)
    # 100 ticks into < 8 points: the interval doubled 4 times (1 → 16 s).
    assert rec.interval_s == 16.0
    # Even resolution: every point but the still-filling last one spans 16 s.
    assert [p.dt for p in rec.points] == pytest.approx([16.0] * 6 + [4.0])
    # A merged point keeps the worse percentile of its intervals: the last second's value.
    assert rec.points[-1].p99 == pytest.approx(100.0, rel=1e-3)


def test_recorder_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="interval_s"):
        TimeSeriesRecorder(Registry(), interval_s=0)
    with pytest.raises(ValueError, match="max_points"):
        TimeSeriesRecorder(Registry(), max_points=1)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_bucket_percentiles_track_the_exact_ones_for_either_sign(sign: float) -> None:
    rng = random.Random(11)
    for _ in range(50):
        values = [sign * rng.lognormvariate(2.0, 1.5) for _ in range(rng.randint(1, 400))]
        sink = TrendSink()
        for v in values:
            sink.add(v)
        counts = sink.bucket_counts()
        pcts = (0.0, 1.0, 50.0, 90.0, 95.0, 99.0, 100.0)
        got = percentiles_from_buckets(counts, pcts)
        for pct, value in zip(pcts, got, strict=True):
            assert value == pytest.approx(sink.percentile(pct), rel=1e-3), (pct, len(values))
            assert percentile_from_buckets(counts, pct) == value
