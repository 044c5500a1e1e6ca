"""One HTTP response's seven trend values wait as one row of a RowBatch; every read sees them.

The recorder adds a row per response and folds nothing: whatever reads a series (a summary
figure, a threshold's aggregate, a snapshot or a delta for the coordinator, the running fold)
must count every row, as if each value had been added to its own series.
"""

from __future__ import annotations

import math
import random
import struct
from collections import Counter

import pytest

from loadpy.metrics.builtin import HTTP_METRICS
from loadpy.metrics.deltas import DeltaReceiver, DeltaSender
from loadpy.metrics.metric import MetricType
from loadpy.metrics.registry import FOLD_BATCH, Registry
from loadpy.metrics.sinks import EXACT_LIMIT, TrendSink, merge_all
from loadpy.protocols.http.model import Response, Timings
from loadpy.vu.recording import Recorder

STATS = ["count", "avg", "min", "med", "max", "p(90)", "p(99)"]
TRENDS = HTTP_METRICS[1:8]


def _responses(n: int, seed: int = 3) -> list[Response]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        timings = Timings(
            blocked=rng.uniform(0.001, 0.01),
            connecting=0.0 if i % 50 else rng.uniform(0.1, 0.3),
            tls_handshaking=0.0,
            sending=rng.uniform(0.005, 0.02),
            waiting=rng.lognormvariate(-2, 0.6),
            receiving=rng.uniform(0.01, 0.05),
        )
        out.append(Response("GET", f"http://127.0.0.1/{i % 3}", 200, proto="HTTP/1.1", timings=timings))
    return out


def _columns(responses: list[Response]) -> dict[str, dict[str, list[float]]]:
    """What each of the seven trends must hold, per URL: the values one at a time."""
    cols: dict[str, dict[str, list[float]]] = {name: {} for name in TRENDS}
    for r in responses:
        t = r.timings
        row = (t.sending + t.waiting + t.receiving, t.blocked, t.connecting, t.tls_handshaking)
        for name, value in zip(TRENDS, (*row, t.sending, t.waiting, t.receiving), strict=True):
            cols[name].setdefault(r.url, []).append(value)
    return cols


def _expected(per_url: dict[str, list[float]]) -> dict[str, float]:
    """The figures of one plain sink per URL, each value added on its own, merged as an aggregate is."""
    sinks = []
    for values in per_url.values():
        sink = TrendSink()
        for v in values:
            sink.add(v)
        sinks.append(sink)
    return merge_all(MetricType.TREND, sinks).values(0.0, STATS)  # type: ignore[call-arg]


def _recorded(n: int) -> tuple[Registry, list[Response]]:
    registry = Registry()
    recorder = Recorder(registry)
    ctx = recorder.context((("scenario", "default"),))
    responses = _responses(n)
    for resp in responses:
        recorder.record_http(resp, ctx, recorder.default_site, None, None)
    return registry, responses


@pytest.mark.parametrize("n", [7, 5_000, EXACT_LIMIT + 4_001])  # exact; exact; past the limit: a histogram
def test_every_trend_of_a_request_reads_its_own_column_in_full(n: int) -> None:
    registry, responses = _recorded(n)
    reqs = registry.aggregate(registry.metrics["http_reqs"])
    assert reqs.values(1.0)["count"] == n
    for name, values in _columns(responses).items():
        aggregate = registry.aggregate(registry.metrics[name])  # what a threshold on the metric reads
        assert aggregate.values(0.0, STATS) == _expected(values), name
    # the per-URL series (submetrics, the summary's tags) hold their own rows only
    sink = registry.sink(registry.metrics["http_req_waiting"], _tags_of(registry, "http://127.0.0.1/1"))
    assert isinstance(sink, TrendSink)
    assert sink.stat("count") == len(range(1, n, 3))


def _tags_of(registry: Registry, url: str) -> tuple[tuple[str, str], ...]:
    (tags,) = [t for t in registry.series(registry.metrics["http_req_waiting"]) if ("url", url) in t]
    return tags


def test_pending_rows_make_a_series_non_empty_and_are_folded_by_the_running_fold() -> None:
    registry, _ = _recorded(FOLD_BATCH * 3)
    sinks = [s for m, _, s in registry.all_series() if m.name in TRENDS]
    assert len(sinks) == 7 * 3
    for sink in sinks:
        assert isinstance(sink, TrendSink)
        assert not sink.empty and sink.buffered == FOLD_BATCH and sink.count == 0  # all of it still a row
    registry.fold(FOLD_BATCH)  # the engine's once-a-second fold: the rows reach every series
    for sink in sinks:
        assert isinstance(sink, TrendSink)
        assert sink.buffered == 0 and sink.count == FOLD_BATCH


def test_snapshots_and_deltas_for_the_coordinator_carry_the_pending_rows() -> None:
    registry, responses = _recorded(3_000)
    merged = Registry()
    merged.merge_snapshot(registry.snapshot())  # nothing folded before the snapshot
    coordinator = Registry()
    sender, receiver = DeltaSender(registry), DeltaReceiver(coordinator)
    receiver.merge(sender.take())
    more = _responses(2_000, seed=9)
    recorder = Recorder(registry)
    ctx = recorder.context((("scenario", "default"),))
    for resp in more:  # a second report: only new rows, read through a new recorder's cached batch
        recorder.record_http(resp, ctx, recorder.default_site, None, None)
    receiver.merge(sender.take())
    for name, values in _columns(responses).items():
        assert merged.aggregate(merged.metrics[name]).values(0.0, STATS) == _expected(values), name
    for name in TRENDS:  # the rows pending at each report arrived, as the worker's own figures say
        got = coordinator.aggregate(coordinator.metrics[name]).values(0.0, STATS)
        assert got == registry.aggregate(registry.metrics[name]).values(0.0, STATS), name
        assert got["count"] == 5_000


def test_a_series_in_two_batches_reads_the_rows_of_both() -> None:
    registry = Registry()
    metrics = tuple(registry.metrics[n] for n in TRENDS)
    tags = (("url", "a"),)
    batch = registry.row_batch(metrics, tags)
    assert registry.row_batch(metrics, tags) is batch
    other = registry.row_batch(metrics[:2], tags)  # http_req_duration and http_req_blocked again
    batch.add(batch.pack(*range(1, 8)))
    other.add(other.pack(10.0, 20.0))
    duration = registry.sink(metrics[0], tags)
    assert isinstance(duration, TrendSink)
    assert duration.buffered == 2 and not duration.empty
    assert duration.values(0.0, ["count", "min", "max"]) == {"count": 2, "min": 1.0, "max": 10.0}
    assert batch.rows == other.rows == 0  # read once: both flushed


def _reference_buckets(values: list[float]) -> Counter[int]:
    """The bucket of each value one at a time: the top 22 bits of the IEEE-754 double."""
    return Counter(struct.unpack("<Q", struct.pack("<d", v))[0] >> 42 for v in values)


def test_bucketing_in_bulk_gives_each_value_its_bucket() -> None:
    rng = random.Random(11)
    values = [rng.lognormvariate(0, 3) for _ in range(EXACT_LIMIT)]
    values += [-v for v in values[:500]] + [0.0, -0.0, 5e-324, math.inf, 1e300] * 40
    sink = TrendSink()
    for v in values:
        sink.add(v)
    sink.fold()
    for v in values[:3_000]:  # a second fold into the histogram
        sink.add(v)
    assert sink.bucket_counts() == _reference_buckets(values + values[:3_000])


def test_a_repeated_value_counts_into_its_bucket_signed_zeros_apart() -> None:
    sink = TrendSink()
    for v in range(EXACT_LIMIT + 1):  # past the limit: a histogram
        sink.add(float(v))
    folds = [[0.0] * 300, [0.25] * 200, [0.0] * 100 + [-0.0] * 50]  # the last: equal, not the same bits
    for values in folds:
        for v in values:
            sink.add(v)
        sink.fold()
    everything = [float(v) for v in range(EXACT_LIMIT + 1)] + [v for f in folds for v in f]
    assert sink.bucket_counts() == _reference_buckets(everything)
    assert sink.stat("count") == len(everything)
