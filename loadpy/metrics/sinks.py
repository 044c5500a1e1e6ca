"""One sink per time series, one class per metric type.

The hot path only calls `add`; everything else (aggregations, merging, snapshots for
worker processes) happens off it. Sinks merge exactly, so N worker processes combine
into the same figures as one process.

Trend precision: a TrendSink keeps every value exactly until it holds EXACT_LIMIT of
them; past that it folds values into a log-linear histogram keyed by the top 22 bits of
the IEEE-754 double (sign, exponent, 10 mantissa bits; dense per octave:
loadpy.metrics.histogram). Every bucket spans at most 2^-10
of its values' magnitude, and a percentile is read at the bucket midpoint, so a reported
percentile is within 2^-11 (< 0.05 %) of k6's exact value; count, sum, avg, min and max
stay exact. Values are appended to an array('d') on the hot path (one C call) and folded
in batches by `fold()`, which buckets with a C-level Counter, no Python loop per value
(a Python step per distinct bucket, or none with numpy in a run planned long:
`Histogram.count_values`, loadpy.engine.numpy_choice).
"""

from __future__ import annotations

import math
import struct
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from itertools import accumulate, cycle, repeat
from operator import rshift
from typing import Any

from loadpy.metrics.histogram import SHIFT as _SHIFT
from loadpy.metrics.histogram import Histogram, bucket_body, extremes
from loadpy.metrics.metric import MetricType

EXACT_LIMIT = 10_000
# bucket keys a histogram holds uncounted at most (8 bytes each; TrendSink._keys)
KEY_BATCH = 8192
# a series counts its keys every KEY_BATCH keys received, the first time after one of these sizes in
# turn (KEY_BATCH/23 .. KEY_BATCH): series fed alike (a coordinator's per-URL series, all turned into
# histograms in the same second) then count in different ticks, a phase apart for good, whatever reads
# count in between. A batch size of their own per series (round 4) drifted in and out of phase: up to
# 3x the mean number of series counting in one tick (benchmarks/README.md, "Coordinator tick cost")
_FIRST_BATCH_SIZES = cycle(range(KEY_BATCH // 23, KEY_BATCH + 1, KEY_BATCH // 23))
_HALF_BUCKET = 1 << (_SHIFT - 1)
_PACK_Q = struct.Struct("<Q")
_PACK_D = struct.Struct("<d")


def _key(value: float) -> int:
    """The histogram bucket of one value (`_bucket` computes the same for many at once)."""
    return _PACK_Q.unpack(_PACK_D.pack(value))[0] >> _SHIFT


def exact_sum(values: array | list[float]) -> float:
    """The correctly rounded sum (math.fsum); where it has none, Go's float64 sum as k6 adds: +-Inf
    past the largest double (fsum raises OverflowError), NaN for +Inf and -Inf together (ValueError)."""
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return sum(values, 0.0)


def _bucket_mid(key: int) -> float:
    return _PACK_D.unpack(_PACK_Q.pack((key << _SHIFT) | _HALF_BUCKET))[0]


class CounterSink:
    __slots__ = ("_batches", "_sent", "_total")
    type = MetricType.COUNTER

    def __init__(self) -> None:
        self._total = 0.0
        self._sent: float | None = None  # total at the last delta(); None before the first
        self._batches: tuple[RowBatch, ...] = ()  # rows of this series waiting in batches (RowBatch)

    def add(self, value: float) -> None:
        self._total += value

    @property
    def total(self) -> float:
        """The sum of every sample, the rows still waiting in a batch included."""
        flush_rows(self._batches)
        return self._total

    @total.setter
    def total(self, value: float) -> None:
        self._total = value

    def take_rows(self, column: array) -> None:
        """A batch's pending column of this series (RowBatch.flush)."""
        self._total += sum(column)

    @property
    def empty(self) -> bool:
        return False  # a counter always has a value (0): k6 fails `count>0` on an empty counter

    def merge(self, other: CounterSink) -> None:
        self._total += other.total

    def merge_state(self, state: Any) -> bool:
        """merge(from_state(state)) without building the sink (a coordinator does it per series per second)."""
        self._total += state
        return False

    def state(self) -> Any:
        return self.total

    def delta(self) -> Any:
        """The state of what was added since the previous call (the first: everything); None when
        nothing was. `from_state` + `merge` of every delta in turn rebuild this sink."""
        total = self.total
        if self._sent is not None and total == self._sent:
            return None
        out = total - (self._sent or 0.0)
        self._sent = total
        return out

    @classmethod
    def from_state(cls, state: Any) -> CounterSink:
        sink = cls()
        sink._total = state
        return sink

    def values(self, duration_s: float) -> dict[str, float]:
        total = self.total
        return {"count": total, "rate": total / duration_s if duration_s > 0 else 0.0}


class GaugeSink:
    __slots__ = ("_sent", "last", "max", "min", "samples")
    type = MetricType.GAUGE

    def __init__(self) -> None:
        self.last = 0.0
        self.min = math.inf
        self.max = 0.0  # k6 quirk: max starts at 0, so an all-negative gauge reports max 0
        self.samples = 0
        self._sent: int | None = None  # samples at the last delta(); None before the first

    def add(self, value: float) -> None:
        self.last = value
        if value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        self.samples += 1

    @property
    def empty(self) -> bool:
        return self.samples == 0

    def merge(self, other: GaugeSink) -> None:
        if other.samples:
            self.last = other.last
            self.min = min(self.min, other.min)
            self.max = max(self.max, other.max)
            self.samples += other.samples

    def merge_state(self, state: Any) -> bool:
        """merge(from_state(state)) without building the sink."""
        last, low, high, samples = state
        if samples:
            self.last = last
            self.min = min(self.min, low)
            self.max = max(self.max, high)
            self.samples += samples
        return False

    def state(self) -> Any:
        return (self.last, self.min, self.max, self.samples)

    def delta(self) -> Any:
        """Last value, min and max so far with the count of new samples; None when there are none
        (min/max over all time merge the same as over the new samples)."""
        if self.samples == self._sent:
            return None
        out = (self.last, self.min, self.max, self.samples - (self._sent or 0))
        self._sent = self.samples
        return out

    @classmethod
    def from_state(cls, state: Any) -> GaugeSink:
        sink = cls()
        sink.last, sink.min, sink.max, sink.samples = state
        return sink

    def values(self, duration_s: float = 0.0) -> dict[str, float]:
        return {"value": self.last, "min": 0.0 if self.samples == 0 else self.min, "max": self.max}


class RateSink:
    __slots__ = ("_batches", "_sent", "_total", "_trues")
    type = MetricType.RATE

    def __init__(self) -> None:
        self._trues = 0
        self._total = 0
        self._sent: tuple[int, int] | None = None  # (trues, total) at the last delta()
        self._batches: tuple[RowBatch, ...] = ()  # rows of this series waiting in batches (RowBatch)

    def add(self, value: float) -> None:
        self._total += 1
        if value:
            self._trues += 1

    @property
    def total(self) -> int:
        """Samples, the rows still waiting in a batch included."""
        flush_rows(self._batches)
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = value

    @property
    def trues(self) -> int:
        """Non-zero samples, the rows still waiting in a batch included."""
        flush_rows(self._batches)
        return self._trues

    @trues.setter
    def trues(self, value: int) -> None:
        self._trues = value

    def take_rows(self, column: array) -> None:
        """A batch's pending column of this series (RowBatch.flush): a value counts true as in `add`."""
        rows = len(column)
        self._total += rows
        self._trues += rows - column.count(0.0)

    @property
    def empty(self) -> bool:
        return self.total == 0

    def merge(self, other: RateSink) -> None:
        self._trues += other.trues
        self._total += other.total

    def merge_state(self, state: Any) -> bool:
        """merge(from_state(state)) without building the sink."""
        trues, total = state
        self._trues += trues
        self._total += total
        return False

    def state(self) -> Any:
        return (self.trues, self.total)

    def delta(self) -> Any:
        """New (trues, total) since the previous call (the first: everything); None when unchanged."""
        trues, total = self.trues, self.total
        sent_trues, sent_total = self._sent or (0, 0)
        if self._sent is not None and total == sent_total:
            return None
        self._sent = (trues, total)
        return (trues - sent_trues, total - sent_total)

    @classmethod
    def from_state(cls, state: Any) -> RateSink:
        sink = cls()
        sink._trues, sink._total = state
        return sink

    @property
    def rate(self) -> float:
        total = self.total
        return self._trues / total if total else 0.0

    def values(self, duration_s: float = 0.0) -> dict[str, float]:
        trues, total = self.trues, self.total
        return {"rate": trues / total if total else 0.0, "passes": trues, "fails": total - trues}


class TrendSink:
    """All values of a Trend time series: exact up to EXACT_LIMIT, then a <0.05 % histogram."""

    __slots__ = (
        "_batches",
        "_bcache",
        "_bdone",
        "_buf",
        "_exact",
        "_hist",
        "_keys",
        "_pending",
        "_ranked",
        "_since",
        "_sorted",
        "_until_due",
        "add",
        "bucketed_deltas",
        "count",
        "max",
        "min",
        "sum",
    )
    type = MetricType.TREND

    def __init__(self) -> None:
        self._buf = array("d")
        self.add = self._buf.append  # the hot path: one C call per value
        # the batches whose rows hold values of this series (RowBatch), if any
        self._batches: tuple[RowBatch, ...] = ()
        self._exact: array | None = array("d")
        self._hist: Histogram | None = None
        # bucket keys merged in from other processes' deltas, not counted into _hist yet: counting
        # them per series in one batch keeps that series' histogram in the CPU cache (a coordinator
        # counting 64 workers' few keys per series each second spends most of its time on misses)
        self._keys: list[array] = []
        self._pending = 0  # keys in _keys
        self._until_due = 0  # keys to receive before counting them; 0: none received yet
        self._sorted: list[float] | None = None
        # the histogram's buckets in value order and their cumulative counts (built once per reading)
        self._ranked: tuple[list[int], list[int]] | None = None
        # the exact store bucketed, cached (_exact_buckets): _bdone values of _exact are in _bcache.
        self._bcache: Counter[int] | None = None
        self._bdone = 0
        # values folded since the last delta(); None until the first (only worker processes call it)
        self._since: array | None = None
        # delta() sends buckets even while exact: the receiver's sink is a histogram already
        self.bucketed_deltas = False
        self.count = 0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf

    # -- folding -----------------------------------------------------------------
    def fold(self) -> None:
        """Move buffered values into the exact store or the histogram."""
        flush_rows(self._batches)
        if self._keys:
            self._count_keys()
        buf = self._buf
        if not buf:
            return
        self.count += len(buf)
        self.sum += exact_sum(buf)
        low, high = extremes(buf)
        if low < self.min:
            self.min = low
        if high > self.max:
            self.max = high
        self._sorted = self._ranked = None
        if self._since is not None:
            self._since.extend(buf)
        if self._exact is not None and len(self._exact) + len(buf) <= EXACT_LIMIT:
            self._exact.extend(buf)
        else:
            if self._exact is not None:
                self._to_histogram()
            if low == high and (low != 0.0 or not buf.tobytes().strip(b"\0")):
                # one value repeated (0 ms connecting on a kept-alive connection): one bucket, no key per value
                assert self._hist is not None
                self._hist.add(_key(low), len(buf))
            else:
                self._bucket(buf)
        del buf[:]

    def _to_histogram(self) -> None:
        """Past EXACT_LIMIT: the exact store becomes the histogram."""
        assert self._exact is not None
        self._hist = Histogram()
        self._hist.count_values(self._exact)
        self._exact = self._bcache = None
        self._bdone = 0

    def _count_keys(self) -> None:
        assert self._hist is not None
        self._hist.count_key_arrays(self._keys)
        self._keys = []
        self._pending = 0

    @property
    def pending_keys(self) -> int:
        """Bucket keys merged in and not counted yet."""
        return self._pending

    def take_rows(self, column: array) -> None:
        """A batch's pending column of this series (RowBatch.flush): buffered, folded as any value."""
        self._buf.extend(column)

    def _bucket(self, values: array) -> None:
        assert self._hist is not None
        self._hist.count_values(values)

    # -- reading -----------------------------------------------------------------
    @property
    def empty(self) -> bool:
        return self.count == 0 and not self._buf and not any(batch.rows for batch in self._batches)

    @property
    def buffered(self) -> int:
        """Values added since the last fold."""
        return len(self._buf) + sum(batch.rows for batch in self._batches)

    @property
    def exact(self) -> bool:
        return self._exact is not None

    def avg(self) -> float:
        self.fold()
        return self.sum / self.count if self.count else 0.0

    def minimum(self) -> float:
        self.fold()
        return self.min if self.count else 0.0

    def maximum(self) -> float:
        self.fold()
        return self.max if self.count else 0.0

    def percentile(self, pct: float) -> float:
        """k6's percentile: linear interpolation between the two nearest ranks."""
        self.fold()
        n = self.count
        if n == 0:
            return 0.0
        if n == 1:
            return self.min
        pos = pct / 100.0 * (n - 1)
        lo = math.floor(pos)
        hi = math.ceil(pos)
        lo_value = self._at_rank(lo)
        if hi == lo:
            return lo_value
        return lo_value + (self._at_rank(hi) - lo_value) * (pos - lo)

    def _at_rank(self, rank: int) -> float:
        if rank <= 0:
            return self.min
        if rank >= self.count - 1:
            return self.max
        if self._exact is not None:
            if self._sorted is None:
                self._sorted = sorted(self._exact)
            return self._sorted[rank]
        if self._ranked is None:
            assert self._hist is not None
            self._ranked = self._hist.ranked()
        keys, cumulative = self._ranked
        i = bisect_right(cumulative, rank)
        if i >= len(keys):
            return self.max
        return min(max(_bucket_mid(keys[i]), self.min), self.max)

    def bucket_counts(self) -> Counter[int]:
        """A new Counter of histogram bucket -> count over every value so far (for interval
        percentiles: diff two readings, then `percentile_from_buckets`)."""
        self.fold()
        if self._exact is None:
            assert self._hist is not None
            return Counter(self._hist.counts())
        return Counter(self._exact_buckets())

    def _exact_buckets(self) -> Counter[int]:
        """The exact store's values bucketed, cached and kept up to date incrementally (the store is
        append-only until it turns into the histogram), so reading it again costs only new values."""
        assert self._exact is not None
        if self._bcache is None:
            self._bcache = Counter()
            self._bdone = 0
        if len(self._exact) > self._bdone:
            with memoryview(self._exact) as raw, raw.cast("B").cast("Q") as bits:
                self._bcache.update(map(rshift, bits[self._bdone :], repeat(_SHIFT)))
            self._bdone = len(self._exact)
        return self._bcache

    def stat(self, name: str) -> float:
        """One of k6's trend stats: avg, min, med, max, count, p(N)."""
        if name == "avg":
            return self.avg()
        if name == "min":
            return self.minimum()
        if name == "max":
            return self.maximum()
        if name == "med":
            return self.percentile(50)
        if name == "count":
            self.fold()
            return float(self.count)
        if name.startswith("p(") and name.endswith(")"):
            return self.percentile(float(name[2:-1]))
        raise ValueError(f"unknown trend stat {name!r}")

    def values(self, duration_s: float = 0.0, stats: tuple[str, ...] | list[str] = ()) -> dict[str, float]:
        stats = stats or ("avg", "min", "med", "max", "p(90)", "p(95)")
        return {s: self.stat(s) for s in stats}

    # -- merging -----------------------------------------------------------------
    def merge(self, other: TrendSink) -> None:
        self.fold()
        other.fold()
        if other.count == 0:
            return
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self._sorted = self._ranked = None
        if self._exact is not None and other._exact is not None and len(self._exact) + len(other._exact) <= EXACT_LIMIT:
            self._exact.extend(other._exact)
            return
        if self._exact is not None:
            self._to_histogram()
        assert self._hist is not None
        if other._exact is not None:
            self._bucket(other._exact)
        else:
            assert other._hist is not None
            self._hist.merge(other._hist)

    def merge_state(self, state: Any) -> bool:
        """merge(from_state(state)) without building the sink: the same figures, exact or histogram
        alike (a coordinator merges every worker's delta of every series each second). True when raw
        values came into a histogram: the sender may as well bucket them (`bucketed_deltas`)."""
        count, total, low, high, body = state
        if not count:
            return False
        if self._buf:
            self.fold()
        self.count += count
        self.sum += total
        self.min = min(self.min, low)
        self.max = max(self.max, high)
        self._sorted = self._ranked = None
        if isinstance(body, bytes):
            if self._exact is not None and len(self._exact) + len(body) // 8 <= EXACT_LIMIT:
                self._exact.frombytes(body)
                return False
            if self._exact is not None:
                self._to_histogram()
            assert self._hist is not None
            self._hist.count_values(body)
            return True
        if self._exact is not None:
            self._to_histogram()
        assert self._hist is not None
        if isinstance(body, array):  # bucket keys: counted in a batch at the next fold (or when many)
            # kept as they came (no copy: growing one array reallocated and copied it again and again)
            self._keys.append(body)
            self._pending += len(body)
            if not self._until_due:
                self._until_due = next(_FIRST_BATCH_SIZES)
            self._until_due -= len(body)
            if self._until_due <= 0:  # due: count; the next time KEY_BATCH keys after this due point
                self._count_keys()
                self._until_due = self._until_due % KEY_BATCH or KEY_BATCH
        else:
            self._hist.add_counts(body)  # {key: count}
        return False

    def state(self) -> Any:
        self.fold()
        body: Any = self._exact.tobytes() if self._exact is not None else self._hist.counts() if self._hist else {}
        return (self.count, self.sum, self.min, self.max, body)

    def delta(self) -> Any:
        """The state of the values added since the previous call (the first: everything); None when
        none were. Raw values while this sink is exact, their histogram buckets once it is not: a
        merge of deltas stays exact up to EXACT_LIMIT values in all, as one process's sink does.
        Buckets too once the receiver says its sink is a histogram (`bucketed_deltas`): bucketing
        then costs the senders, in parallel, not the one receiver (`bucket_body`)."""
        self.fold()
        if self._since is None:
            self._since = array("d")
            return self.state()
        fresh = self._since
        if not fresh:
            return None
        self._since = array("d")
        body: Any = fresh.tobytes() if self._exact is not None and not self.bucketed_deltas else bucket_body(fresh)
        return (len(fresh), exact_sum(fresh), *extremes(fresh), body)

    @classmethod
    def from_state(cls, state: Any) -> TrendSink:
        sink = cls()
        sink.count, sink.sum, sink.min, sink.max, body = state
        if isinstance(body, bytes):
            sink._exact = array("d")
            sink._exact.frombytes(body)
        else:
            sink._exact = None
            sink._hist = Histogram()
            if isinstance(body, array):  # bucket keys (a delta's)
                sink._hist.count_keys(body)
            else:
                sink._hist.add_counts(body)
        return sink


def bucketed_state(state: Any) -> Any:
    """A TrendSink state holding raw values as the same state with their buckets: the figures are
    the same once merged into a histogram (for a receiver known to hold one)."""
    count, total, low, high, body = state
    if isinstance(body, bytes):
        values = array("d")
        values.frombytes(body)
        body = bucket_body(values)
    return (count, total, low, high, body)


def merge_states(metric_type: MetricType, states: list[Any]) -> Any:
    """Several delta states of one series as one: merging it gives the figures merging each in turn
    gives. Trend values stay raw and bucket keys stay uncounted (concatenated), so the receiver does
    with them what it does with any delta (keep them exact, or count the keys in its batches)."""
    if len(states) == 1:
        return states[0]
    if metric_type is MetricType.TREND:
        bodies = [state[4] for state in states]
        if all(isinstance(body, bytes) for body in bodies) or all(isinstance(body, array) for body in bodies):
            count = sum(state[0] for state in states)
            low = min(state[2] for state in states)
            high = max(state[3] for state in states)
            joined: Any
            if isinstance(bodies[0], bytes):
                joined = b"".join(bodies)
            else:
                joined = array("Q")
                for body in bodies:
                    joined.extend(body)
            return (count, exact_sum([state[1] for state in states]), low, high, joined)
    sink = new_sink(metric_type)
    for state in states:
        sink.merge_state(state)
    return sink.state()


# the sink types a RowBatch can hold: each takes a column of pending rows (`take_rows`)
BatchedSink = CounterSink | RateSink | TrendSink


def flush_rows(batches: tuple[RowBatch, ...]) -> None:
    """Move a series' rows still waiting in its batches into it (every batch's series, in fact):
    what each read of a sink does first."""
    for batch in batches:
        batch.flush()


class RowBatch:
    """Series always recorded together (one HTTP response's http_reqs, seven timings and
    http_req_failed; one iteration's count, duration and data): their values wait as rows of one
    array, so a sample group costs `add(pack(*row))`, two C calls, instead of one `add` per series
    (a Python call each for a counter or a rate; 213 vs 532 ns for seven trend `append`s). The rows
    are moved into the series (`take_rows`: one strided copy per series, in C) when any of them is
    read: every read of a sink (a trend's `fold`, a counter's or rate's `total` / `trues`) flushes
    its batches first, and the registry's running fold flushes them all, so no reader sees a
    series without its pending values."""

    __slots__ = ("_takers", "_values", "add", "pack", "sinks", "width")

    def __init__(self, sinks: tuple[BatchedSink, ...]) -> None:
        self.sinks = sinks
        self.width = len(sinks)
        self._values = array("d")
        self._takers = tuple(sink.take_rows for sink in sinks)
        self.pack = _row_format(self.width).pack  # row values -> bytes, native doubles as array("d")
        self.add = self._values.frombytes  # the hot path: one packed row
        for sink in sinks:
            sink._batches = (*sink._batches, self)

    @property
    def rows(self) -> int:
        """Rows added since the last flush."""
        return len(self._values) // self.width

    def flush(self) -> None:
        """Move the pending rows into their series (column i to series i)."""
        values = self._values
        if not values:
            return
        width = self.width
        for i, take in enumerate(self._takers):
            take(values[i::width])
        del values[:]  # the same array: `add` is cached by the recorders


def _row_format(width: int) -> struct.Struct:
    return struct.Struct(f"={width}d")


_SIGN_KEY = 1 << (63 - _SHIFT)  # keys at or above this hold negative values


def _value_order(counts: Counter[int]) -> list[int]:
    """The keys with a positive count, in the order of their values (no float per key): bucket
    keys sort like their values for non-negative values and in reverse for negative ones."""
    keys = sorted((k for k, c in counts.items() if c > 0 and k >= _SIGN_KEY), reverse=True)
    keys += sorted(k for k, c in counts.items() if c > 0 and k < _SIGN_KEY)
    return keys


def percentiles_from_buckets(counts: Counter[int], pcts: Iterable[float]) -> list[float]:
    """Several `percentile_from_buckets` at once, sorting the buckets a single time."""
    keys = _value_order(counts)
    cumulative = list(accumulate(counts[k] for k in keys))
    n = cumulative[-1] if cumulative else 0
    if n == 0:
        return [0.0 for _ in pcts]

    def at_rank(rank: int) -> float:
        return _bucket_mid(keys[min(bisect_right(cumulative, rank), len(keys) - 1)])

    out = []
    for pct in pcts:
        pos = pct / 100.0 * (n - 1)
        lo, hi = math.floor(pos), math.ceil(pos)
        lo_value = at_rank(lo)
        out.append(lo_value if hi == lo else lo_value + (at_rank(hi) - lo_value) * (pos - lo))
    return out


def percentile_from_buckets(counts: Counter[int], pct: float) -> float:
    """k6's percentile (linear interpolation between the nearest ranks) over bucket counts
    from `TrendSink.bucket_counts()`, each value read at its bucket midpoint (< 0.05 % off).
    Non-positive counts (left by diffing) are ignored; 0.0 when there are no values."""
    return percentiles_from_buckets(counts, (pct,))[0]


Sink = CounterSink | GaugeSink | RateSink | TrendSink

SINK_TYPES: dict[MetricType, type[Sink]] = {
    MetricType.COUNTER: CounterSink,
    MetricType.GAUGE: GaugeSink,
    MetricType.RATE: RateSink,
    MetricType.TREND: TrendSink,
}


def new_sink(metric_type: MetricType) -> Sink:
    return SINK_TYPES[metric_type]()


def merge_all(metric_type: MetricType, sinks: Iterable[Sink]) -> Sink:
    """A new sink merging `sinks` (an aggregate or submetric over many series)."""
    merged = new_sink(metric_type)
    for sink in sinks:
        merged.merge(sink)  # type: ignore[arg-type]
    return merged
