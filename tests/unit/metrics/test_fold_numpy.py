"""A trend series folded with numpy (a long run's process, loadpy.engine.numpy_choice) and with the
standard library gives the same figures, to the bit: count, sum, min and max (the sign of a zero
too), every percentile, and the histogram's count per bucket key."""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Iterator

import pytest

from loadpy.metrics import histogram
from loadpy.metrics.histogram import extremes
from loadpy.metrics.sinks import EXACT_LIMIT, TrendSink

STATS = ["count", "avg", "min", "med", "max", "p(1)", "p(50)", "p(90)", "p(95)", "p(99)", "p(99.9)", "p(100)"]


def _batches(seed: int) -> Iterator[list[float]]:
    """Fold-sized batches (a tenth of a second of a busy series) of timings with tails, and the
    special values a trend accepts: zeros of both signs, negatives, infinities (never +inf and -inf
    in one batch: math.fsum refuses that sum), denormals, one value repeated, many octaves."""
    rng = random.Random(seed)
    for turn in range(12):
        size = rng.choice([1, 7, 3_800, 4_500, 2_000])
        values = [rng.lognormvariate(-1.0, 1.5) for _ in range(size)]
        if turn == 3:
            values = [0.0] * size  # kept-alive connecting: one repeated zero
        elif turn == 4:
            values = [-0.0] * size + [0.0] * size  # a zero's sign
        elif turn == 5:
            values = [1.25] * size  # one repeated value
        elif size > 10:
            values[::97] = [0.0] * len(values[::97])
            values[1::89] = [-0.0] * len(values[1::89])
            values[2::211] = [-rng.lognormvariate(3, 2) for _ in values[2::211]]
            values[3::1013] = [5e-324 * (i + 1) for i in range(len(values[3::1013]))]
            far = [1e300, 1e-300, -1e-300, 7e200, 2.0**-1000]  # octaves apart
            values[4::1019] = far[: len(values[4::1019])]
            values[5] = math.inf if turn % 2 else -math.inf
        yield values


def _folded(batches: list[list[float]]) -> TrendSink:
    sink = TrendSink()
    for batch in batches:
        for value in batch:
            sink.add(value)
        sink.fold()
    return sink


def _bits(value: float) -> str:
    return value.hex() if not math.isnan(value) else "nan"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_is_the_same_with_and_without_numpy(seed: int) -> None:
    batches = list(_batches(seed))
    assert sum(map(len, batches)) > EXACT_LIMIT  # past the exact store: the histogram counts
    histogram.use_numpy(False)
    plain = _folded(batches)
    assert histogram.use_numpy()
    fast = _folded(batches)
    assert not plain.exact and not fast.exact
    assert (fast.count, _bits(fast.sum), _bits(fast.min), _bits(fast.max)) == (
        plain.count,
        _bits(plain.sum),
        _bits(plain.min),
        _bits(plain.max),
    )
    assert fast._hist is not None and plain._hist is not None
    assert fast._hist.counts() == plain._hist.counts()
    assert fast.bucket_counts() == plain.bucket_counts()
    assert {s: _bits(v) for s, v in fast.values(0.0, STATS).items()} == {
        s: _bits(v) for s, v in plain.values(0.0, STATS).items()
    }


def test_an_exact_series_folds_alike_too() -> None:
    batches = [[0.5, -0.0, 0.0, 3.0, -2.0], [-0.0, 0.0], [0.0, -0.0], [math.inf, 1.0], [-math.inf, 1.0]]
    histogram.use_numpy(False)
    plain = _folded(batches)
    assert histogram.use_numpy()
    fast = _folded(batches)
    assert fast.exact and plain.exact
    (count, total, low, high, body), want = fast.state(), plain.state()
    assert (count, _bits(total), _bits(low), _bits(high), body) == (want[0], *map(_bits, want[1:4]), want[4])
    assert [_bits(v) for v in fast.values(0.0, STATS).values()] == [_bits(v) for v in plain.values(0.0, STATS).values()]


@pytest.mark.parametrize(
    "values",
    [
        [0.0, -0.0],
        [-0.0, 0.0],
        [1.0, -0.0, 0.0, -0.0, 2.0],
        [3.0, 0.0, -0.0, 3.0, -0.0],
        [2.5],
        [-1.0, -1.0, math.inf, -math.inf, math.inf],
        [5e-324, -5e-324, 0.0],
        [1e308, -1e308, 1e-308],
    ],
)
def test_extremes_are_the_first_least_and_greatest_values_as_min_and_max_give(values: list[float]) -> None:
    data = array("d", values)
    histogram.use_numpy(False)
    want = tuple(map(_bits, extremes(data)))
    assert want == (_bits(min(values)), _bits(max(values)))
    assert histogram.use_numpy()
    assert tuple(map(_bits, extremes(data))) == want


def _deltas(batches: list[list[float]]) -> list[tuple[object, ...]]:
    """A worker's series: its delta after each batch, its values bucketed once the receiver says so."""
    sink = TrendSink()
    sink.delta()  # the first delta (everything so far); then each batch's
    out = []
    for i, batch in enumerate(batches):
        sink.bucketed_deltas = i >= 2
        for value in batch:
            sink.add(value)
        count, total, low, high, body = sink.delta()
        out.append((count, _bits(total), _bits(low), _bits(high), body))
    return out


@pytest.mark.parametrize("seed", [4, 5])
def test_a_workers_deltas_are_the_same_with_and_without_numpy(seed: int) -> None:
    batches = [batch for batch in _batches(seed) if batch]
    histogram.use_numpy(False)
    plain = _deltas(batches)
    assert histogram.use_numpy()
    fast = _deltas(batches)
    assert fast == plain
    bodies = [type(delta[4]) for delta in plain]
    assert {bytes, dict, array} <= set(bodies)  # raw values, {key: count} and keys: each way compared
