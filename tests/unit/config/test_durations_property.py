"""Property tests for k6 durations: format_duration round-trips, garbage is only ever a ConfigError."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from loadpy.config.durations import format_duration, parse_duration
from loadpy.errors import ConfigError

# Whole nanoseconds up to ~100 days: what k6 (Go's time.Duration) can express exactly.
nanoseconds = st.integers(min_value=0, max_value=100 * 86400 * 10**9)


@given(nanoseconds)
@settings(max_examples=300, deadline=None)
def test_format_then_parse_round_trips(ns: int) -> None:
    seconds = ns / 1e9
    text = format_duration(seconds)
    assert abs(parse_duration(text) - seconds) <= max(1e-9, seconds * 1e-12)


@given(st.integers(min_value=0, max_value=10**9))
@settings(max_examples=200, deadline=None)
def test_bare_numbers_are_milliseconds(ms: int) -> None:
    assert parse_duration(ms) == ms / 1000.0


@given(
    st.one_of(
        st.text(max_size=12),
        st.none(),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
        st.floats(allow_nan=True),
        st.integers(max_value=-1),
    )
)
@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@example(float("nan"))
@example(float("inf"))
@example("\u0663s")  # an Arabic-Indic digit: not a Go duration
@example("1e3s")
def test_anything_else_parses_or_raises_config_error(value: object) -> None:
    try:
        result = parse_duration(value, key="options.duration")
    except ConfigError as exc:
        assert exc.key == "options.duration"
        assert exc.exit_code == 104
    else:
        assert isinstance(result, float) and result >= 0


def test_non_ascii_digits_and_non_finite_numbers_are_rejected() -> None:
    for value in (float("nan"), float("inf"), "\u0663s", "1e3s"):
        try:
            parse_duration(value, key="k")
        except ConfigError as exc:
            assert exc.key == "k"
        else:
            raise AssertionError(f"{value!r} was accepted")
