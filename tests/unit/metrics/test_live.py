"""Live threshold aggregates (loadpy.metrics.live) and staggered per-series detail (DeltaSender.take(detail)):
while workers run, every threshold must read what one registry holding every sample so far reads, at
every tick; at the end, the coordinator's registry must equal that registry, series by series."""

from __future__ import annotations

import math
import random
from array import array
from typing import Any

import pytest

from loadpy.metrics.deltas import DeltaReceiver, DeltaSender, SeriesBatch
from loadpy.metrics.live import LiveThresholds, live_keys
from loadpy.metrics.metric import MetricType
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import EXACT_LIMIT, merge_states
from loadpy.metrics.thresholds import Thresholds, sink_values
from loadpy.workers.coordinator import detail_interval
from loadpy.workers.merge import VU_GAUGES
from tests.unit.metrics.figures import summary_figures

THRESHOLDS: dict[str, Any] = {
    "http_req_duration": ["p(95)<5", "avg<3", "max<1000"],
    "http_req_duration{name:a}": ["p(90)<4", "med<2"],
    "http_req_duration{group:::g}": ["min>0", "p(99.9)<50"],
    "http_req_duration{expected_response:true}": ["p(50)<3"],
    "http_reqs": ["count>3", "rate>100"],
    "http_reqs{name:b}": ["count<1000"],
    "http_req_failed": [{"threshold": "rate<0.05", "abortOnFail": True, "delayAbortEval": "3s"}],
    "checks": ["rate>0.9"],
    "late": ["count<5"],  # a custom metric the workers first record mid-run
    "vus": ["value>0"],  # recorded by the coordinator itself: never live
    "level": ["value<10"],  # a gauge: never live (last-wins depends on the order of arrival)
}


def _record(reg: Registry, rng: random.Random, tick: int, requests: int) -> None:
    m = reg.metrics
    for _ in range(requests):
        name = rng.choice("ab")
        group = rng.choice(("", "::g"))
        failed = rng.random() < 0.1
        tags = (
            ("expected_response", "false" if failed else "true"),
            ("group", group),
            ("name", name),
            ("scenario", "default"),
        )
        reg.add(m["http_req_duration"], tags, round(rng.lognormvariate(0.8, 0.9), 4))
        reg.add(m["http_reqs"], tags, 1.0)
        reg.add(m["http_req_failed"], tags, float(failed))
        reg.add(m["checks"], (("check", "ok"), ("group", group)), float(not failed))
    if tick >= 2:
        reg.add(reg.define("late", "counter"), (), 1.0)
    reg.add(reg.define("level", "gauge"), (), float(tick))


def _registry() -> Registry:
    reg = Registry()
    reg.define("late", "counter")
    reg.define("level", "gauge")
    return reg


def _values(thresholds: Thresholds, duration: float) -> dict[str, dict[str, float] | None]:
    out: dict[str, dict[str, float] | None] = {}
    for name, group in thresholds.metrics.items():
        has = group.view.has_series()
        out[name] = sink_values(group.view.sink(), group.thresholds, duration) if has else None
    return out


def _same(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert got.keys() == want.keys()
    for name in want:
        if want[name] is None or got[name] is None:
            assert got[name] == want[name], name
            continue
        assert got[name].keys() == want[name].keys(), name
        for stat, value in want[name].items():
            if stat == "avg":  # the sum of the same values added in another order
                assert math.isclose(got[name][stat], value, rel_tol=1e-12), (name, stat)
            else:
                assert got[name][stat] == value, (name, stat)


@pytest.mark.parametrize(("workers", "every", "requests", "seed"), [(3, 1, 300, 1), (3, 2, 1_500, 2), (4, 3, 900, 3)])
def test_live_thresholds_read_what_one_registry_reads_at_every_tick(
    workers: int, every: int, requests: int, seed: int
) -> None:
    rng = random.Random(seed)
    single, coordinator = _registry(), _registry()
    single.add(single.metrics["http_reqs"], (("name", "setup"),), 1.0)  # setup(), in the coordinator
    coordinator.add(coordinator.metrics["http_reqs"], (("name", "setup"),), 1.0)
    want_thresholds = Thresholds.parse(THRESHOLDS, single)
    thresholds = Thresholds.parse(THRESHOLDS, coordinator)
    keys = live_keys(thresholds)
    assert [name for name, _ in keys].count("http_req_duration") == 4
    assert all(name not in ("vus", "level") for name, _ in keys)
    live = LiveThresholds(thresholds)
    live.install()
    aborts: list[bool] = []
    regs = [_registry() for _ in range(workers)]
    links = [(DeltaSender(reg, skip=VU_GAUGES, live=keys), DeltaReceiver(coordinator)) for reg in regs]
    for tick in range(1, 9):
        for reg in regs:
            state = rng.getstate()
            _record(reg, rng, tick, requests)
            rng.setstate(state)
            _record(single, rng, tick, requests)
        for index, (sender, receiver) in enumerate(links):
            delta = sender.take((tick + index) % every == 0)
            sender.bucket(receiver.merge(delta))
            live.merge(delta["live"])
        duration = float(tick)
        _same(_values(thresholds, duration), _values(want_thresholds, duration))
        aborts.append(thresholds.evaluate(duration))
        assert aborts[-1] == want_thresholds.evaluate(duration)
        assert thresholds.failed_metric_names() == want_thresholds.failed_metric_names()
    assert aborts == [False] * 3 + [True] * 5  # ~10 % failed: abortOnFail fires once past delayAbortEval
    for sender, receiver in links:  # the workers' last deltas: all their detail
        delta = sender.take(True)
        receiver.merge(delta)
        live.merge(delta["live"])
    live.remove()
    assert summary_figures(coordinator) == summary_figures(single)
    _same(_values(thresholds, 9.0), _values(want_thresholds, 9.0))
    if requests * workers * 8 > EXACT_LIMIT:  # the aggregates crossed into histograms on the way
        assert not want_thresholds.metrics["http_req_duration"].view.sink().exact  # type: ignore[union-attr]


def test_detail_waits_for_its_tick_and_then_carries_everything_since() -> None:
    reg = Registry()
    reqs, duration = reg.metrics["http_reqs"], reg.metrics["http_req_duration"]
    sender = DeltaSender(reg, live=[("http_reqs", ())])
    reg.add(reqs, (("name", "a"),), 1.0)
    first = sender.take(False)
    assert (first["series"], first["new"]) == ([], [])
    assert first["live"] == [(0, 1.0)]  # the aggregate goes at once
    reg.add(reqs, (("name", "a"),), 2.0)
    reg.add(duration, (), 4.0)
    second = sender.take(False)
    assert (second["series"], second["new"], second["live"]) == ([], [], [(0, 2.0)])
    reg.add(duration, (), 6.0)
    third = sender.take(True)
    assert third["series"] == []
    named = {(name, tags): state for name, tags, state in third["new"]}
    assert list(named) == [("http_reqs", (("name", "a"),)), ("http_req_duration", ())]  # in first-seen order
    assert named["http_reqs", (("name", "a"),)] == 3.0
    count, total, low, high, _ = named["http_req_duration", ()]
    assert (count, total, low, high) == (2, 10.0, 4.0, 6.0)
    reg.add(reqs, (("name", "a"),), 5.0)
    assert sender.take(True)["series"] == [(0, 5.0)]  # named once: its index from now on


def test_a_series_batch_merges_states_as_a_receiver_would() -> None:
    batch = SeriesBatch()

    batch.add(0, MetricType.COUNTER, 2.0)
    batch.name("http_reqs", (), 0)
    batch.add(0, MetricType.COUNTER, 3.0)
    assert bool(batch)
    assert batch.flush() == ([], [("http_reqs", (), 5.0)])
    assert not batch and batch.flush() == ([], [])


def test_live_trend_aggregates_go_as_buckets_past_the_exact_limit() -> None:
    reg = Registry()
    duration = reg.metrics["http_req_duration"]
    sender = DeltaSender(reg, live=[("http_req_duration", ())])
    for _ in range(EXACT_LIMIT):
        reg.add(duration, (), 1.5)
    ((_, state),) = sender.take()["live"]
    assert isinstance(state[4], bytes)  # 10,000 values: exact at the receiver too
    reg.add(duration, (), 2.5)
    ((_, state),) = sender.take()["live"]
    assert state[:4] == (1, 2.5, 2.5, 2.5) and not isinstance(state[4], bytes)


def test_detail_every_tick_up_to_eight_workers_and_with_a_report() -> None:
    assert [detail_interval(n, report=False) for n in (1, 2, 8, 9, 16, 64)] == [1, 1, 1, 2, 2, 8]
    assert detail_interval(64, report=True) == 1


def test_staggered_detail_of_bucketed_series_merges_as_every_delta_would() -> None:
    rng = random.Random(8)
    single, coordinator = Registry(), Registry()
    workers = [Registry(), Registry()]
    links = [(DeltaSender(reg), DeltaReceiver(coordinator)) for reg in workers]
    duration = single.metrics["http_req_duration"]
    bodies: list[type] = []
    for tick in range(1, 9):  # 8 x 2 x 1,500 values: the coordinator's series turns histogram on the way
        for index, (worker, (sender, receiver)) in enumerate(zip(workers, links, strict=True)):
            for _ in range(1_500):
                value = rng.lognormvariate(0, 1)
                worker.add(duration, (), value)
                single.add(duration, (), value)
            delta = sender.take((tick + index) % 3 == 0)
            bodies.extend(type(state[4]) for _, state in delta["series"])
            sender.bucket(receiver.merge(delta))
    for sender, receiver in links:
        receiver.merge(sender.take(True))
    assert array in bodies  # bucket keys gathered over ticks travel uncounted, as one array
    stats = ["count", "min", "max", "med", "p(90)", "p(99)"]
    assert coordinator.aggregate(duration).values(0.0, stats) == single.aggregate(duration).values(0.0, stats)


def test_merged_states_keep_values_raw_and_keys_uncounted() -> None:
    raw = [(1, 2.0, 2.0, 2.0, array("d", [2.0]).tobytes()), (2, 4.0, 1.0, 3.0, array("d", [1.0, 3.0]).tobytes())]
    assert merge_states(MetricType.TREND, raw) == (3, 6.0, 1.0, 3.0, array("d", [2.0, 1.0, 3.0]).tobytes())
    keys = [(1, 2.0, 2.0, 2.0, array("Q", [7])), (1, 1.0, 1.0, 1.0, array("Q", [5]))]
    assert merge_states(MetricType.TREND, keys) == (2, 3.0, 1.0, 2.0, array("Q", [7, 5]))
    mixed = merge_states(MetricType.TREND, [raw[0], keys[1]])  # raw and keys: one histogram's state
    assert mixed[:4] == (2, 3.0, 1.0, 2.0) and isinstance(mixed[4], dict) and sum(mixed[4].values()) == 2
    assert merge_states(MetricType.RATE, [(1, 2), (0, 3)]) == (1, 5)
    assert merge_states(MetricType.GAUGE, [(5.0, 1.0, 5.0, 2), (2.0, 2.0, 2.0, 1)]) == (2.0, 1.0, 5.0, 3)


def test_removing_views_never_installed_leaves_the_series_views() -> None:
    reg = Registry()
    thresholds = Thresholds.parse({"http_reqs": ["count>0"]}, reg)
    view = thresholds.metrics["http_reqs"].view
    live = LiveThresholds(thresholds)
    live.remove()  # a run stopped before the workers started: nothing was installed
    assert thresholds.metrics["http_reqs"].view is view
    live.install()
    assert thresholds.metrics["http_reqs"].view is not view
    live.remove()
    assert thresholds.metrics["http_reqs"].view is view
