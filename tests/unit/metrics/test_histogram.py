"""The dense per-octave histogram of a Trend series past its exact store (loadpy.metrics.histogram):
the same buckets as counting each value's key, whether counted by the standard library or numpy, so
every percentile is what the sparse {key: count} gave; bounded memory (one array per octave in use)."""

from __future__ import annotations

import math
import random
import struct
from array import array
from collections import Counter
from collections.abc import Iterator

import pytest

from loadpy.metrics import histogram
from loadpy.metrics.deltas import DeltaReceiver, DeltaSender
from loadpy.metrics.histogram import OCTAVE_BITS, SHIFT, Histogram
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import EXACT_LIMIT, TrendSink

STATS = ["count", "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "p(99.9)"]


@pytest.fixture(params=["stdlib", "numpy"])
def counting(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test once per way of counting keys; the standard library again afterwards."""
    if request.param == "numpy":
        assert histogram.use_numpy()
    yield request.param
    histogram.use_numpy(False)


def _key(value: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", value))[0] >> SHIFT


def _mid(key: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", (key << SHIFT) | (1 << (SHIFT - 1))))[0]


def _values(n: int, seed: int) -> list[float]:
    """Timings with tails, zeros (both signs), denormals, negatives and values far apart."""
    rng = random.Random(seed)
    out = [rng.lognormvariate(0.5, 1.8) for _ in range(n)]
    out[::97] = [0.0] * len(out[::97])
    out[1::211] = [-rng.lognormvariate(3, 2) for _ in out[1::211]]
    out[2::1009] = [-0.0] * len(out[2::1009])
    out[3::1013] = [5e-324 * (i + 1) for i in range(len(out[3::1013]))]
    out[4::1019] = [1e300, 1e-300] * (len(out[4::1019]) // 2) + [7e200] * (len(out[4::1019]) % 2)
    return out


def _k6_percentile(values: list[float], pct: float) -> float:
    """k6's interpolation over the values each read at its bucket's midpoint (clamped to min/max;
    the lowest and highest ranks are min and max exactly): what a TrendSink past its exact store
    reports."""
    ordered = sorted(values)
    low, high = ordered[0], ordered[-1]
    read = [low, *(min(max(_mid(_key(v)), low), high) for v in ordered[1:-1]), high]
    pos = pct / 100 * (len(read) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return read[lo] if lo == hi else read[lo] + (read[hi] - read[lo]) * (pos - lo)


def test_counts_are_every_value_key_counted(counting: str) -> None:
    values = _values(30_000, seed=1)
    hist = Histogram()
    hist.count_values(array("d", values[:10_000]))
    hist.count_values(array("d", values[10_000:20_000]).tobytes())  # a delta's raw body
    hist.count_keys(array("Q", map(_key, values[20_000:])))
    narrow = [random.Random(9).uniform(1.0, 40.0) for _ in range(5_000)]  # a few octaves: one bincount
    hist.count_values(array("d", narrow))
    values += narrow
    want = Counter(map(_key, values))
    assert hist.counts() == want
    # one array per octave in use, no more: memory bounded by the span of the values
    assert set(hist.octaves) == {key >> OCTAVE_BITS for key in want}
    keys, cumulative = hist.ranked()
    assert keys == sorted(want, key=_mid)  # value order, negatives and -0.0 included
    assert cumulative[-1] == len(values)


def test_merges_and_dict_counts_add_up(counting: str) -> None:
    first, second = _values(5_000, seed=2), _values(7_000, seed=3)
    a, b = Histogram(), Histogram()
    a.count_values(array("d", first))
    b.count_values(array("d", second))
    a.merge(b)
    a.merge(Histogram())
    c = Histogram()
    c.add_counts(Counter(map(_key, first)))
    c.add_counts(b.counts())
    want = Counter(map(_key, first + second))
    assert a.counts() == want == c.counts()
    assert b.counts() == Counter(map(_key, second))  # merging did not touch the source


def test_percentiles_past_the_exact_store_are_the_bucket_midpoints(counting: str) -> None:
    values = _values(EXACT_LIMIT * 3, seed=4)
    sink = TrendSink()
    for start in range(0, len(values), 4_999):  # folded in pieces, as the engine does
        for v in values[start : start + 4_999]:
            sink.add(v)
        sink.fold()
    assert not sink.exact
    for pct in (0, 0.1, 1, 25, 50, 90, 95, 99, 99.9, 100):
        assert sink.percentile(pct) == _k6_percentile(values, pct), pct
    assert (sink.count, sink.min, sink.max) == (len(values), min(values), max(values))
    copy = TrendSink.from_state(sink.state())
    assert copy.values(0.0, STATS) == sink.values(0.0, STATS)


def test_two_workers_merged_at_a_numpy_coordinator_equal_one_process() -> None:
    """Workers count nothing with numpy; the coordinator does: the figures are one process's."""
    rng = random.Random(6)
    single, coordinator = Registry(), Registry()
    workers = [Registry(), Registry()]
    links = [(DeltaSender(reg), DeltaReceiver(coordinator)) for reg in workers]
    duration = single.metrics["http_req_duration"]
    try:
        for _ in range(30):  # 30 ticks x 2 workers x 600 values: past the exact limit at the coordinator
            deltas = []
            for worker, (sender, _) in zip(workers, links, strict=True):
                for _ in range(600):
                    value = rng.lognormvariate(1, 1.2)
                    worker.add(duration, (("name", "u"),), value)
                    single.add(duration, (("name", "u"),), value)
                deltas.append(sender.take())
            histogram.use_numpy()
            for (sender, receiver), delta in zip(links, deltas, strict=True):
                sender.bucket(receiver.merge(delta))
            histogram.use_numpy(False)
        want = single.aggregate(duration).values(0.0, STATS)
        histogram.use_numpy()
        got = coordinator.aggregate(duration).values(0.0, STATS)
    finally:
        histogram.use_numpy(False)
    assert got == want
    assert got["count"] == 36_000
