"""A trend's sum where math.fsum has none (loadpy.metrics.sinks.exact_sum): past the largest double it
is +-Inf and with +Inf and -Inf together NaN, as k6's float64 additions give, in a fold, a worker's delta
and a merge of deltas; never an exception (fsum raises OverflowError / ValueError there)."""

from __future__ import annotations

import math

import pytest

from loadpy.metrics import histogram
from loadpy.metrics.metric import MetricType
from loadpy.metrics.sinks import TrendSink, exact_sum, merge_states


def test_a_finite_sum_stays_the_exact_one() -> None:
    assert exact_sum([0.1] * 10) == 1.0  # (a float sum gives 0.9999999999999999)
    assert exact_sum([1e308, -1e308, 5.0]) == 5.0


@pytest.mark.parametrize("with_numpy", [False, True])
def test_sums_past_the_largest_double_are_infinite_and_mixed_infinities_nan(with_numpy: bool) -> None:
    assert histogram.use_numpy(with_numpy) is with_numpy
    big, low, both = TrendSink(), TrendSink(), TrendSink()
    for value in (1e308, 1e308, 3.0):
        big.add(value)
        low.add(-value)
    for value in (math.inf, -math.inf, 2.0):
        both.add(value)
    assert (big.avg(), big.minimum(), big.maximum(), big.percentile(50)) == (math.inf, 3.0, 1e308, 1e308)
    assert (low.avg(), low.minimum(), low.maximum()) == (-math.inf, -1e308, -3.0)
    assert math.isnan(both.avg())
    assert (both.minimum(), both.maximum(), both.percentile(50)) == (-math.inf, math.inf, 2.0)


def test_a_delta_and_a_merge_of_deltas_sum_alike() -> None:
    sink = TrendSink()
    sink.delta()
    sink.add(1e308)
    sink.add(1e308)
    first = sink.delta()
    assert first[:4] == (2, math.inf, 1e308, 1e308)
    sink.add(-math.inf)
    second = sink.delta()
    merged = merge_states(MetricType.TREND, [first, second])
    assert merged[0] == 3 and math.isnan(merged[1]) and merged[2:4] == (-math.inf, 1e308)
