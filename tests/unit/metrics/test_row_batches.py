"""Counters and rates recorded as columns of a RowBatch (http_reqs, http_req_failed, iterations,
data_sent, data_received): no read may miss a pending row.

The recorder adds one row per response and per iteration and folds nothing, so whatever reads a
counter or a rate (a summary figure, a threshold's aggregate, the REST API's per-series `total`, a
snapshot or a delta for the coordinator) must count every row, exactly as one `add` per sample did.
"""

from __future__ import annotations

import math
from array import array

from loadpy.metrics.deltas import DeltaReceiver, DeltaSender
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import CounterSink, RateSink, RowBatch, TrendSink
from loadpy.protocols.http.model import Response, Timings
from loadpy.vu.recording import Recorder

ITERATION = ("iterations", "iteration_duration", "data_sent", "data_received")


def _record(registry: Registry, n: int, failing_every: int = 4) -> None:
    """n responses (every `failing_every`-th a 500) and n iterations of 1 request each."""
    recorder = Recorder(registry)
    ctx = recorder.context((("scenario", "default"),))
    for i in range(n):
        status = 500 if i % failing_every == 0 else 200
        timings = Timings(blocked=0.001, connecting=0.0, sending=0.01, waiting=0.5 + i, receiving=0.02)
        resp = Response("GET", "http://127.0.0.1/", status, proto="HTTP/1.1", timings=timings)
        recorder.record_http(resp, ctx, recorder.default_site, None, None)
        recorder.iteration_done(ctx, 1.5, 1_000_003.0 + i, 2**40 + i)


def _totals(registry: Registry, name: str) -> tuple[float, float]:
    """(total, trues) over the metric's series, read one series at a time (as the REST API and the
    report do; a counter's trues: 0)."""
    total = trues = 0.0
    for sink in registry.series(registry.metrics[name]).values():
        assert isinstance(sink, CounterSink | RateSink)
        total += sink.total
        trues += sink.trues if isinstance(sink, RateSink) else 0
    return total, trues


def test_every_reader_of_a_counter_or_a_rate_counts_the_pending_rows() -> None:
    registry = Registry()
    _record(registry, 1_001)
    fails = len(range(0, 1_001, 4))
    sent = sum(1_000_003 + i for i in range(1_001))
    received = sum(2**40 + i for i in range(1_001))

    assert _totals(registry, "http_reqs") == (1_001, 0)
    assert _totals(registry, "http_req_failed") == (1_001, fails)
    assert not any(sink.empty for sink in registry.series(registry.metrics["http_req_failed"]).values())
    # a threshold's or the summary's aggregate of the metric
    assert registry.aggregate(registry.metrics["http_reqs"]).values(2.0) == {"count": 1_001, "rate": 500.5}
    assert registry.aggregate(registry.metrics["http_req_failed"]).values() == {
        "rate": fails / 1_001,
        "passes": fails,
        "fails": 1_001 - fails,
    }
    assert registry.aggregate(registry.metrics["iterations"]).values(1.0)["count"] == 1_001
    assert registry.aggregate(registry.metrics["data_sent"]).values(1.0)["count"] == sent
    assert registry.aggregate(registry.metrics["data_received"]).values(1.0)["count"] == received
    (duration,) = registry.series(registry.metrics["iteration_duration"]).values()
    assert isinstance(duration, TrendSink)
    assert duration.values(0.0, ["count", "avg"]) == {"count": 1_001, "avg": 1.5}


def test_a_rate_counts_a_pending_value_as_add_does() -> None:
    batched, plain = RateSink(), RateSink()
    batch = RowBatch((batched,))
    for value in (1.0, 0.0, -0.0, math.nan, 0.5, -2.0):
        batch.add(batch.pack(value))
        plain.add(value)
    assert (batched.trues, batched.total) == (plain.trues, plain.total) == (4, 6)


def test_a_series_added_to_directly_and_through_a_batch_counts_both() -> None:
    sink = CounterSink()
    batch = RowBatch((sink,))
    batch.add(batch.pack(3.0))
    sink.add(4.0)
    batch.add(batch.pack(5.0))
    assert sink.total == 12.0
    assert sink.delta() == 12.0 and sink.delta() is None


def test_snapshots_and_deltas_for_the_coordinator_carry_pending_counter_and_rate_rows() -> None:
    registry, coordinator, merged = Registry(), Registry(), Registry()
    sender, receiver = DeltaSender(registry), DeltaReceiver(coordinator)
    _record(registry, 300)
    receiver.merge(sender.take())
    _record(registry, 200)  # a second report: only the new rows (a new recorder, the same batches)
    receiver.merge(sender.take())
    merged.merge_snapshot(registry.snapshot())
    for target in (coordinator, merged):
        assert _totals(target, "http_reqs") == (500, 0)
        assert _totals(target, "http_req_failed") == (500, 75 + 50)
        assert _totals(target, "iterations") == (500, 0)
        assert _totals(target, "data_sent") == (sum(1_000_003 + i for i in (*range(300), *range(200))), 0)


def test_the_running_fold_empties_every_batch() -> None:
    registry = Registry()
    _record(registry, 10)
    batches = list(registry._batches.values())
    # a 200's and a 500's response batch, the iteration's
    assert sorted(b.rows for b in batches) == [3, 7, 10]
    registry.fold(64)  # fewer values than a fold's batch: the trends keep them buffered, the rows move
    assert all(b.rows == 0 for b in batches)
    assert sum(s._total for s in registry.series(registry.metrics["http_reqs"]).values()) == 10  # type: ignore[union-attr]
    (duration,) = registry.series(registry.metrics["iteration_duration"]).values()
    assert duration.buffered == 10  # type: ignore[union-attr]


def test_a_pending_column_reaches_its_series_as_an_array_of_doubles() -> None:
    counter, rate, trend = CounterSink(), RateSink(), TrendSink()
    for sink, column in ((counter, [1.0, 2.0]), (rate, [1.0, 0.0]), (trend, [1.0, 2.0])):
        sink.take_rows(array("d", column))
    assert (counter.total, rate.trues, rate.total, trend.buffered) == (3.0, 1, 2, 2)
