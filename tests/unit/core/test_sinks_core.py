"""The lead's metric core: trend precision, sink merging, group ids, durations."""

from __future__ import annotations

import math
import random

import pytest

from loadpy.config.durations import format_duration, parse_duration
from loadpy.errors import ConfigError
from loadpy.metrics import Registry, tagset
from loadpy.metrics.groups import GroupTree
from loadpy.metrics.sinks import EXACT_LIMIT, CounterSink, GaugeSink, RateSink, TrendSink


def exact_percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    pos = pct / 100 * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def test_trend_matches_k6_interpolation_exactly_below_limit() -> None:
    sink = TrendSink()
    for v in range(1, 11):
        sink.add(float(v))
    assert sink.stat("avg") == 5.5
    assert sink.stat("med") == 5.5
    assert sink.stat("p(90)") == pytest.approx(9.1, abs=1e-12)
    assert sink.stat("p(99)") == pytest.approx(9.91, abs=1e-12)
    assert sink.stat("count") == 10
    assert sink.exact


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trend_histogram_percentiles_within_a_tenth_of_a_percent(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.lognormvariate(1.0, 1.2) * (1 if rng.random() < 0.97 else -1) for _ in range(EXACT_LIMIT * 5)]
    sink = TrendSink()
    for v in values:
        sink.add(v)
    assert not sink.exact or sink.count <= EXACT_LIMIT
    sink.fold()
    assert not sink.exact
    for pct in (0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100):
        want = exact_percentile(values, pct)
        got = sink.percentile(pct)
        assert abs(got - want) <= abs(want) * 0.001, (pct, got, want)
    assert sink.stat("min") == min(values)
    assert sink.stat("max") == max(values)
    assert sink.stat("avg") == pytest.approx(sum(values) / len(values), rel=1e-12)


def test_trend_merge_equals_single_sink() -> None:
    rng = random.Random(7)
    values = [rng.random() * 100 for _ in range(30_000)]
    whole, a, b = TrendSink(), TrendSink(), TrendSink()
    for i, v in enumerate(values):
        whole.add(v)
        (a if i % 3 else b).add(v)
    a.merge(TrendSink.from_state(b.state()))
    for pct in (50, 90, 99):
        assert a.percentile(pct) == pytest.approx(whole.percentile(pct), rel=1e-12)
    assert a.count == whole.count == len(values)


def test_counter_gauge_rate_values_and_k6_quirks() -> None:
    c = CounterSink()
    c.add(-5)
    c.add(3)
    assert c.values(2.0) == {"count": -2.0, "rate": -1.0}
    g = GaugeSink()
    for v in (-1, -3):
        g.add(v)
    assert g.values() == {"value": -3, "min": -3, "max": 0.0}  # k6: max starts at 0
    r = RateSink()
    for v in (True, False, 0, 2, -1):
        r.add(v)
    assert r.values() == {"rate": 0.6, "passes": 3, "fails": 2}


def test_registry_snapshot_merge_is_exact() -> None:
    one, two, total = Registry(), Registry(), Registry()
    for reg, n in ((one, 3), (two, 5)):
        for i in range(n):
            tags = tagset({"status": "200" if i % 2 else "404"})
            reg.sink(reg.metrics["http_reqs"], tags).add(1)
            reg.sink(reg.metrics["http_req_duration"], tags).add(float(i))
        reg.groups.root.group("g").check("ok").passes += n
    total.merge_snapshot(one.snapshot())
    total.merge_snapshot(two.snapshot())
    assert total.aggregate(total.metrics["http_reqs"]).values(1.0)["count"] == 8
    sel = tagset({"status": "404"})
    assert total.aggregate(total.metrics["http_reqs"], sel).values(1.0)["count"] == 2 + 3
    assert total.groups.root.group("g").check("ok").passes == 8


def test_group_paths_and_ids_are_k6s() -> None:
    tree = GroupTree()
    assert tree.root.id == "d41d8cd98f00b204e9800998ecf8427e"
    outer = tree.root.group("outer")
    assert outer.path == "::outer"
    assert outer.id == "c34b428ee7255085dfe7fef53d3394d5"  # measured on k6 (conformance C31)
    assert tree.by_path("::outer::inner").path == "::outer::inner"
    assert tree.root.check("is 404").path == "::is 404"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1m30s", 90), ("500ms", 0.5), ("1.5s", 1.5), ("2h", 7200), (250, 0.25), ("0", 0), ("1d", 86400)],
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "10 s", "abc", "5 s", "-1s", True, None, [1]])
def test_parse_duration_rejects(bad: object) -> None:
    with pytest.raises(ConfigError):
        parse_duration(bad, key="duration")


def test_format_duration_like_go() -> None:
    assert [format_duration(s) for s in (600, 90, 0.5, 0)] == ["10m0s", "1m30s", "500ms", "0s"]
