"""Execution segments: parsing, lcd striping, ScaleInt and derived sequences (k6 §5)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadpy.errors import ConfigError
from loadpy.segments import FULL, Stripe, parse_point, parse_segment, resolve

THIRDS = "0,1/3,2/3,1"
QUARTERS = "0,1/4,1/2,1"


def stripes(sequence: str, segments: list[str]) -> list[Stripe]:
    return [resolve(s, sequence) for s in segments]


def test_points_are_exact_rationals() -> None:
    assert parse_point("25%") == Fraction(1, 4)
    assert parse_point("0.25") == Fraction(1, 4)
    assert parse_point("1/3") == Fraction(1, 3)
    assert parse_segment("1/2") == parse_segment("0:50%")
    assert resolve("", None) is FULL and resolve("0:1", None) is FULL


@pytest.mark.parametrize(
    ("segment", "sequence", "message"),
    [
        ("1/2:1/3", None, "the start must be smaller than the end"),
        ("x", None, "invalid execution segment point 'x'"),
        ("0:2", None, "must be between 0 and 1"),
        ("0:1/2", "0,1/3,1", "is not one of the segments of the sequence 0,1/3,1"),
        ("0:1/3", "1/3", "it needs at least 2 points"),
        ("0:1/3", "0,2/3,1/3", "points must increase"),
    ],
)
def test_bad_segments_are_config_errors(segment: str, sequence: str | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve(segment, sequence)


def test_thirds_worked_examples() -> None:
    parts = stripes(THIRDS, ["0:1/3", "1/3:2/3", "2/3:1"])
    assert [p.lcd for p in parts] == [3, 3, 3]
    assert [p.picked for p in parts] == [(0,), (1,), (2,)]
    # per-vu-iterations vus=10 → 4/3/3, VU global ids 1,4,7,10 | 2,5,8 | 3,6,9
    assert [p.scale(10) for p in parts] == [4, 3, 3]
    assert [[i + 1 for i in p.owned(10)] for p in parts] == [[1, 4, 7, 10], [2, 5, 8], [3, 6, 9]]
    # shared-iterations vus=10 iters=100: derived 0,4/10,7/10,1 → 40/30/30
    derived = [p.derived(10) for p in parts]
    assert [d.picked for d in derived if d] == [(0, 3, 5, 8), (1, 4, 7), (2, 6, 9)]
    assert [d.scale(100) for d in derived if d] == [40, 30, 30]
    assert list(derived[0].owned(14)) == [0, 3, 5, 8, 10, 13]  # type: ignore[union-attr]
    # constant-arrival-rate preAllocatedVUs=4: derived 0,1/2,3/4,1 splits the 21 ticks 11/5/5
    by_max_vus = [p.derived(4) for p in parts]
    assert [list(d.owned(21)) for d in by_max_vus if d] == [
        list(range(0, 21, 2)),
        [1, 5, 9, 13, 17],
        [3, 7, 11, 15, 19],
    ]


def test_quarters_worked_examples() -> None:
    parts = stripes(QUARTERS, ["0:1/4", "1/4:1/2", "1/2:1"])
    assert [p.picked for p in parts] == [(1,), (3,), (0, 2)]
    assert [p.scale(7) for p in parts] == [2, 1, 4]
    assert [p.derived(4).scale(9) for p in parts] == [2, 2, 5]  # type: ignore[union-attr]


def test_derived_sequence_drops_an_instance_without_units() -> None:
    parts = stripes(THIRDS, ["0:1/3", "1/3:2/3", "2/3:1"])
    assert [p.scale(1) for p in parts] == [1, 0, 0]
    assert parts[0].derived(1) is not None and parts[0].derived(1).scale(50) == 50  # type: ignore[union-attr]
    assert parts[1].derived(1) is None and parts[2].derived(1) is None


@st.composite
def sequences(draw: st.DrawFn) -> list[Fraction]:
    inner = draw(
        st.sets(
            st.builds(Fraction, st.integers(1, 11), st.integers(2, 12)).filter(lambda f: 0 < f < 1),
            max_size=5,
        )
    )
    return [Fraction(0), *sorted(inner), Fraction(1)]


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(points=sequences(), value=st.integers(0, 300), split=st.integers(1, 60))
def test_every_split_adds_up_to_the_whole(points: list[Fraction], value: int, split: int) -> None:
    text = ",".join(str(p) for p in points)
    parts = [resolve(f"{a}:{b}", text) for a, b in itertools.pairwise(points)]
    # VUs (ScaleInt) add up, and the owned unit indexes partition 0..value-1
    assert sum(p.scale(value) for p in parts) == value
    owned = sorted(i for p in parts for i in p.owned(value))
    assert owned == list(range(value))
    # iterations on the sequence derived from a VU (or maxVUs) split add up too
    derived = [p.derived(split) for p in parts]
    assert sum(p.scale(split) for p in parts) == split
    assert sum(d.scale(value) for d in derived if d is not None) == value
    assert sorted(i for d in derived if d is not None for i in d.owned(value)) == list(range(value))
