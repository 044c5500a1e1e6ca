"""Go renderings against values k6 v1.1.0 actually wrote (see the k6 runs noted per case)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loadpy.outputs.formats import Rfc3339Nano, go_float, go_floats, json_string, rfc3339_nanos

# value -> what k6's json output printed for it (my_trend / my_c points in real k6 runs)
K6_FLOATS = {
    0.0: "0",
    1.0: "1",
    3.0: "3",
    0.5: "0.5",
    1.139835: "1.139835",
    523.967066: "523.967066",
    1.234e-05: "1.234e-05",
    2.5e-07: "2.5e-07",
    1e22: "1e+22",
    1234567.0: "1.234567e+06",
    100000.0: "100000",
    0.0001: "0.0001",
    123456.5: "123456.5",
}


@pytest.mark.parametrize(("value", "text"), sorted(K6_FLOATS.items()))
def test_go_float_matches_k6(value: float, text: str) -> None:
    assert go_float(value) == text


def test_go_float_more_cases() -> None:
    assert go_float(-2.5) == "-2.5"
    assert go_float(999999.0) == "999999"
    assert go_float(1e6) == "1e+06"
    assert go_float(0.00012) == "0.00012"
    assert go_float(1.5e-300) == "1.5e-300"
    assert go_float(-0.0) == "-0"


def test_json_string_escapes_like_easyjson() -> None:
    # k6 wrote this tag value as "\u003cb\u003e \"q\"\n\t\u0001 é"
    assert json_string('<b> "q"\n\t\x01 é') == '"\\u003cb\\u003e \\"q\\"\\n\\t\\u0001 é"'
    assert json_string("x y&z") == '"x y\\u0026z"'
    assert json_string("a\\b\x08") == '"a\\\\b\\u0008"'


def test_rfc3339_nano_trims_trailing_zeros() -> None:
    fmt = Rfc3339Nano()
    base = 1795502479 * 1_000_000_000  # 2026-11-24T06:41:19Z
    assert fmt(base + 274647108) == "2026-11-24T06:41:19.274647108Z"
    assert fmt(base + 274655700) == "2026-11-24T06:41:19.2746557Z"
    assert fmt(base) == "2026-11-24T06:41:19Z"
    assert fmt(base + 1_000_000_000 + 5) == "2026-11-24T06:41:20.000000005Z"


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_go_float_fast_path_equals_the_general_one(value: float) -> None:
    from loadpy.outputs.formats import _go_float_slow

    assert go_float(value) == _go_float_slow(value)


def test_go_float_fast_path_edges() -> None:
    assert [go_float(v) for v in (1e-4, 0.00012, 999999.0, 999999.5, 1e6, -1e-4, 5.0, 1, -0.0)] == [
        "0.0001",
        "0.00012",
        "999999",
        "999999.5",
        "1e+06",
        "-0.0001",
        "5",
        "1",
        "-0",
    ]


# nanoseconds into a 10-s block where the batch formatter's number (ns mod 10 s / 1e9) is written by
# orjson as 0, 0.0000d or an exponent, a whole second, one nanosecond either side of one, a block's end
BLOCK_EDGES = [0, 1, 9, 10, 99_999, 100_000, 100_001, 999_999_999, 1_000_000_000, 1_000_000_001, 5_000_000_000,
               9_999_999_999, 123_456_789, 7_100_000_000, 1_234_567_800]  # fmt: skip


@given(st.lists(st.integers(0, 10**15) | st.sampled_from(BLOCK_EDGES), max_size=40))
def test_a_batch_of_times_is_what_each_time_alone_gives(offsets: list[int]) -> None:
    origin = 1795502470 * 1_000_000_000  # a whole multiple of 10 s, as wall_ns_many gives
    single = Rfc3339Nano()
    expected = [(single(origin + ns) + '","value":').encode() for ns in offsets]
    assert rfc3339_nanos(origin, offsets, b'","value":') == expected


def test_the_block_edges_in_one_batch() -> None:
    origin = 1795502470 * 1_000_000_000  # 2026-11-24T06:41:10Z
    texts = rfc3339_nanos(origin, BLOCK_EDGES, b"|")
    assert texts[:4] == [
        b"2026-11-24T06:41:10Z|",
        b"2026-11-24T06:41:10.000000001Z|",
        b"2026-11-24T06:41:10.000000009Z|",
        b"2026-11-24T06:41:10.00000001Z|",
    ]
    assert texts[BLOCK_EDGES.index(9_999_999_999)] == b"2026-11-24T06:41:19.999999999Z|"
    assert texts[BLOCK_EDGES.index(7_100_000_000)] == b"2026-11-24T06:41:17.1Z|"


ODD_VALUES = [0.0, -0.0, 2.0, 12, 1e6, -1e6, 999_999.5, 1_234_567.0, 1e16, 1e22, 1e-5, 5e-05, 1e-7, 0.0001, 1e-300,
              5e-324, math.nan, math.inf, -math.inf, 2**63, 10**7, True, False, 0.1 + 0.2, -3.5, 10.00001]  # fmt: skip


@given(st.lists(st.floats() | st.sampled_from(ODD_VALUES) | st.integers(-(2**70), 2**70), max_size=40))
def test_a_batch_of_values_is_what_each_value_alone_gives(values: list[float]) -> None:
    assert go_floats(values) == [go_float(v).encode() for v in values]


def test_a_big_value_after_a_nan_is_written_as_go_does() -> None:
    """max() over [nan, 1234567.5] is nan: the batch formatter must not take it for "nothing >= 1e6"."""
    assert go_floats([math.nan, 1_234_567.5, -1e7]) == [b"NaN", b"1.2345675e+06", b"-1e+07"]


def test_every_odd_value_among_plain_ones() -> None:
    values = [0.25, *ODD_VALUES, 3.5]
    assert go_floats(values) == [go_float(v).encode() for v in values]
    assert go_floats([]) == []
