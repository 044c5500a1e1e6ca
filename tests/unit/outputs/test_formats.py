"""Go renderings against values k6 v1.1.0 actually wrote (see the k6 runs noted per case)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loadpy.outputs.formats import Rfc3339Nano, go_float, json_string

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
