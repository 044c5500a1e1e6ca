"""Registry deltas (loadpy.metrics.deltas): what worker processes send each second. Merging every
delta in turn into one running registry must give what a single registry holding every sample gives."""

from __future__ import annotations

import math
import random
from array import array
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from loadpy.metrics.deltas import DeltaReceiver, DeltaSender
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import EXACT_LIMIT, KEY_BATCH, TrendSink

# one recorded sample: (worker, tick, kind, tag value, value)
Op = tuple[int, int, str, str, float]

OPS = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(0, 3),
        st.sampled_from(["counter", "trend", "rate", "gauge", "check", "custom"]),
        st.sampled_from(["a", "b"]),
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: round(v, 3)),
    ),
    max_size=60,
)


def _record(reg: Registry, kind: str, tag: str, value: float) -> None:
    tags = (("name", tag),)
    m = reg.metrics
    if kind == "counter":
        reg.add(m["http_reqs"], tags, abs(round(value)))
    elif kind == "trend":
        reg.add(m["http_req_duration"], tags, value)
    elif kind == "rate":
        reg.add(m["http_req_failed"], tags, float(value > 0))
    elif kind == "gauge":
        reg.add(m["vus"], tags, value)
    elif kind == "check":
        node = reg.groups.by_path(f"::g{tag}").check(f"c{tag}")
        if value > 0:
            node.passes += 1
        else:
            node.fails += 1
    else:  # a custom metric first defined mid-run, by one worker only
        reg.add(reg.define(f"custom_{tag}", "counter"), (), 1.0)


def _figures(reg: Registry) -> dict[str, Any]:
    """Everything the summary reads, per series and per check."""
    out: dict[str, Any] = {}
    for metric, tags, sink in reg.all_series():
        if isinstance(sink, TrendSink):
            stats = sink.values(1.0, ["count", "min", "max", "med", "p(90)"])
            out[f"{metric.name}{tags}"] = {**stats, "sum": round(sink.sum, 3)}
        else:
            out[f"{metric.name}{tags}"] = sink.values(1.0)
    out["checks"] = {
        c.path: (c.passes, c.fails) for g in reg.groups.root.walk() for c in g.checks.values() if c.passes + c.fails
    }
    return out


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_merged_deltas_equal_one_registry(ops: list[Op]) -> None:
    single, workers, coordinator = Registry(), [Registry() for _ in range(3)], Registry()
    links = [(DeltaSender(reg), DeltaReceiver(coordinator)) for reg in workers]
    for tick in range(4):
        for worker, at, kind, tag, value in ops:
            if at == tick:
                _record(single, kind, tag, value)
                _record(workers[worker], kind, tag, value)
        for sender, receiver in links:
            receiver.merge(sender.take())
    for sender, receiver in links:  # the last delta, at the end: nothing new
        receiver.merge(sender.take())
    want, got = _figures(single), _figures(coordinator)
    # gauges: the last value depends on which worker reported last; min/max do not
    for key in [k for k in want if k.startswith("vus")]:
        assert (got[key]["min"], got[key]["max"]) == (want[key]["min"], want[key]["max"])
        del want[key]["value"], got[key]["value"]
    assert got == want


def test_a_delta_holds_only_what_changed() -> None:
    reg = Registry()
    reqs, duration = reg.metrics["http_reqs"], reg.metrics["http_req_duration"]
    reg.add(reqs, (), 2.0)
    reg.add(duration, (), 5.0)
    reg.groups.root.check("ok").passes += 1
    sender = DeltaSender(reg, skip={"vus"})
    first = sender.take()
    assert [name for name, _, _ in first["new"]] == ["http_reqs", "http_req_duration"]  # named once
    assert first["series"] == []
    assert len(first["metrics"]) == len(reg.metrics)  # every definition, once
    assert first["groups"] == ([("ok", 1, 0)], [])
    assert sender.take() == {"metrics": [], "series": [], "new": [], "groups": ([], []), "live": []}
    reg.add(reqs, (), 3.0)
    reg.add(duration, (), 7.0)
    reg.add(duration, (), 1.0)
    reg.define("late", "rate")
    reg.add(reg.metrics["vus"], (), 4.0)  # skipped: never sent
    reg.groups.root.check("ok").fails += 2
    second = sender.take()
    assert second["metrics"] == [("late", "rate", "default")]
    assert second["new"] == []
    series = dict(second["series"])  # by index, in the order first named
    assert series[0] == 3.0  # http_reqs: the increment, not the total
    count, total, low, high, body = series[1]  # http_req_duration
    assert (count, total, low, high, body) == (2, 8.0, 1.0, 7.0, array("d", [7.0, 1.0]).tobytes())  # the new values
    assert second["groups"] == ([("ok", 0, 2)], [])


def test_trend_deltas_cross_the_exact_limit_as_one_sink_does() -> None:
    rng = random.Random(3)
    values = [rng.lognormvariate(0, 1.5) for _ in range(EXACT_LIMIT + 5_000)]
    worker, single, merged, direct = TrendSink(), TrendSink(), TrendSink(), TrendSink()
    for start in range(0, len(values), 4_000):  # one second's values, then a delta
        for v in values[start : start + 4_000]:
            worker.add(v)
            single.add(v)
        state = worker.delta()
        merged.merge(TrendSink.from_state(state))
        direct.merge_state(state)  # the coordinator's way: no sink built per delta
    assert worker.delta() is None
    stats = ["count", "min", "max", "avg", "med", "p(99)"]
    assert direct.values(0.0, stats) == merged.values(0.0, stats)
    assert direct.exact == merged.exact
    single.fold()
    assert not merged.exact and not single.exact
    assert merged.count == single.count == len(values)
    assert math.isclose(merged.sum, math.fsum(values), rel_tol=1e-12)
    for pct in (50, 90, 99, 99.9):
        assert merged.percentile(pct) == single.percentile(pct)
    assert (merged.minimum(), merged.maximum()) == (min(values), max(values))


def test_trend_deltas_stay_exact_below_the_limit() -> None:
    worker, merged = TrendSink(), TrendSink()
    for chunk in ([3.0, 1.0], [2.0], [], [10.0, 4.0]):
        for v in chunk:
            worker.add(v)
        state = worker.delta()
        if chunk or state is not None:
            merged.merge(TrendSink.from_state(state))
    assert merged.exact
    assert merged.values(0.0, ["count", "min", "med", "max"]) == {"count": 5.0, "min": 1.0, "med": 3.0, "max": 10.0}


def test_senders_bucket_the_series_the_receiver_holds_as_histograms() -> None:
    rng = random.Random(11)
    single, coordinator = Registry(), Registry()
    workers = [Registry(), Registry()]
    links = [(DeltaSender(reg), DeltaReceiver(coordinator)) for reg in workers]
    duration = single.metrics["http_req_duration"]
    told: list[list[int]] = []
    for _ in range(4):  # 4 x 2 x 2,000 values: the coordinator's series turns histogram in the third
        for worker, (sender, receiver) in zip(workers, links, strict=True):
            for _ in range(2_000):
                value = rng.lognormvariate(0, 1)
                worker.add(duration, (), value)
                single.add(duration, (), value)
            histograms = receiver.merge(sender.take())
            sender.bucket(histograms)
            told.append(histograms)
    # exact up to 10,000 values; then each worker is told once, and buckets its next deltas
    assert [bool(t) for t in told] == [False] * 5 + [True, True, False]
    (worker_sink,) = workers[0].series(duration).values()
    assert isinstance(worker_sink, TrendSink) and worker_sink.exact  # 8,000 values: exact here
    stats = ["count", "min", "max", "med", "p(90)", "p(99)"]
    assert coordinator.aggregate(duration).values(0.0, stats) == single.aggregate(duration).values(0.0, stats)


def test_bucket_keys_are_counted_in_batches_and_read_in_full() -> None:
    """Many workers' few bucket keys a series per tick wait in one array (counted with the series'
    histogram hot in the cache); every read sees them all, and the array stays bounded."""
    rng = random.Random(5)
    single, coordinator = Registry(), Registry()
    workers = [Registry() for _ in range(24)]
    links = [(DeltaSender(reg), DeltaReceiver(coordinator)) for reg in workers]
    duration = single.metrics["http_req_duration"]
    stats = ["count", "min", "max", "med", "p(90)", "p(99)"]
    pending: list[int] = []
    for tick in range(40):  # 24 workers x 40 ticks x 25 values: past the exact limit, then batches
        for worker, (sender, receiver) in zip(workers, links, strict=True):
            for _ in range(25):
                value = rng.lognormvariate(1, 0.7)
                worker.add(duration, (), value)
                single.add(duration, (), value)
            sender.bucket(receiver.merge(sender.take()))
        (sink,) = coordinator.series(duration).values()
        assert isinstance(sink, TrendSink)
        pending.append(sink.pending_keys)
        if tick % 9 == 4:  # a threshold evaluation reads mid-run: every merged value counts
            assert sink.values(0.0, stats) == single.aggregate(duration).values(0.0, stats)
    assert max(pending) < KEY_BATCH and any(pending)  # keys did wait, never more than a batch
    assert coordinator.aggregate(duration).values(0.0, stats) == single.aggregate(duration).values(0.0, stats)


def test_series_fed_alike_count_their_keys_in_different_ticks() -> None:
    """A coordinator's per-URL series get as many keys as each other every tick (64 workers' detail:
    8 deltas of 80 keys): each counts every KEY_BATCH keys, the first time after a batch of its own
    size, so a tick counts its share of them, not all at once — and a read that counts everything
    (a REST API poll) does not bring them back in step. Every key is counted by the end."""
    key = 0x4029000000000000 >> 42  # 12.5's bucket
    series = [TrendSink() for _ in range(46)]
    for sink in series:  # a histogram from its first keys
        sink.merge_state((1, 12.5, 12.5, 12.5, array("Q", [key])))
    per_tick, most_pending = [], 0
    for tick in range(80):
        counting = 0
        for sink in series:
            before = sink.pending_keys
            for _ in range(8):
                sink.merge_state((80, 1000.0, 12.5, 12.5, array("Q", [key]) * 80))
            counting += sink.pending_keys < before + 640
            most_pending = max(most_pending, sink.pending_keys)
        per_tick.append(counting)
        if tick == 30:
            for sink in series:
                sink.fold()
    assert max(per_tick) == math.ceil(len(series) * 640 / KEY_BATCH)  # 4 of 46 series a tick at most
    assert min(per_tick[1:]) >= 2  # and some in every tick: the counting is spread, not bunched
    assert most_pending < KEY_BATCH + 640  # the keys waiting stay bounded
    assert all(sink.bucket_counts() == {key: 1 + 80 * 640} for sink in series)
