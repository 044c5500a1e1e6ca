"""Duration strings mean what they mean in k6 v1.1 (types.ParseExtendedDuration): every row was read
from `k6 inspect` (the resolved duration) or its error message."""

from __future__ import annotations

import pytest

from loadpy.config.durations import parse_duration
from loadpy.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1500", 1.5),  # no unit: milliseconds
        ("1_500", 1.5),  # Go's ParseFloat takes "_" between digits
        ("1e3", 1.0),
        ("+1500", 1.5),
        ("0x1p3", 0.008),  # a hexadecimal float, in milliseconds
        (".5s", 0.5),
        ("1d12h", 36 * 3600.0),
        ("2562047h", 2562047 * 3600.0),  # the largest whole hour Go's Duration holds
        (1500, 1.5),
    ],
)
def test_forms_k6_accepts(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (" 2s", 'time: invalid duration " 2s"'),
        ("2s ", 'time: unknown unit "s " in duration "2s "'),
        ("1_500ms", 'time: unknown unit "_" in duration "1_500ms"'),
        ("99999999999999999h", 'time: invalid duration "99999999999999999h"'),
        ("2562048h", 'time: invalid duration "2562048h"'),
        ("1.5d", 'strconv.ParseInt: parsing "1.5": invalid syntax'),
        ("ten seconds", 'invalid duration "ten seconds": time: invalid duration "s"'),
    ],
)
def test_forms_k6_refuses_with_its_words(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_duration(text, key="options.duration")
    assert message in info.value.message
    assert info.value.key == "options.duration"


@pytest.mark.parametrize("text", ["Inf", "NaN", "1e300", "106752d", "999999999d"])
def test_values_k6_would_wrap_around_int64_are_refused(text: str) -> None:
    # k6 accepts these and runs with a negative, wrapped-around duration
    with pytest.raises(ConfigError) as info:
        parse_duration(text)
    assert "out of range" in info.value.message
