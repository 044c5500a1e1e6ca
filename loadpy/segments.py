"""Execution segments: how N instances split one test exactly (k6's "lcd" striping).

Pure arithmetic on `fractions.Fraction`. A `Stripe` is one segment of a full sequence;
`scale(v)` is k6's ScaleInt (how many of `v` units this instance owns) and `owns(i)`
tells whether global unit `i` (0-based VU number or iteration number) is ours. Counts
over all segments of a sequence always add up exactly to the unsegmented value.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from math import lcm

from loadpy.errors import ConfigError

ZERO = Fraction(0)
ONE = Fraction(1)


def parse_point(text: str, *, key: str = "--execution-segment") -> Fraction:
    """A point: "25%", "0.25" or "1/4" (exact rational in [0, 1])."""
    raw = text.strip()
    try:
        value = Fraction(raw[:-1].strip()) / 100 if raw.endswith("%") else Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise ConfigError(f"invalid execution segment point '{text}'", key=key) from None
    if value < 0 or value > 1:
        raise ConfigError(f"execution segment point '{text}' must be between 0 and 1", key=key)
    return value


@dataclass(frozen=True, slots=True)
class Segment:
    start: Fraction
    end: Fraction

    @property
    def length(self) -> Fraction:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{self.start}:{self.end}"


def parse_segment(text: str | None) -> Segment:
    """'a:b', 'b' (= 0:b) or empty (= 0:1)."""
    if text is None or not text.strip():
        return Segment(ZERO, ONE)
    key = "--execution-segment"
    parts = text.split(":")
    if len(parts) > 2:
        raise ConfigError(f"invalid execution segment '{text}': expected 'from:to'", key=key)
    start, end = (ZERO, parse_point(parts[0])) if len(parts) == 1 else (parse_point(parts[0]), parse_point(parts[1]))
    if start >= end:
        raise ConfigError(f"invalid execution segment '{text}': the start must be smaller than the end", key=key)
    return Segment(start, end)


def parse_sequence(text: str | None) -> list[Fraction] | None:
    """'p0,p1,...' → points (≥ 2, strictly increasing); None for an empty value."""
    if text is None or not text.strip():
        return None
    key = "--execution-segment-sequence"
    points = [parse_point(p, key=key) for p in text.split(",")]
    if len(points) < 2:
        raise ConfigError(f"invalid execution segment sequence '{text}': it needs at least 2 points", key=key)
    for a, b in itertools.pairwise(points):
        if a >= b:
            raise ConfigError(f"invalid execution segment sequence '{text}': points must increase", key=key)
    return points


def _fill(segments: list[Segment]) -> tuple[Segment, ...]:
    """Add the missing head (0..first) and tail (last..1) parts."""
    out = list(segments)
    if out[0].start != ZERO:
        out.insert(0, Segment(ZERO, out[0].start))
    if out[-1].end != ONE:
        out.append(Segment(out[-1].end, ONE))
    return tuple(out)


@dataclass(frozen=True)
class Stripe:
    """Segment `index` of the full `sequence`, with its owned unit offsets in each lcd cycle."""

    sequence: tuple[Segment, ...]
    index: int
    _cache: dict[int, Stripe | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def segment(self) -> Segment:
        return self.sequence[self.index]

    @property
    def is_full(self) -> bool:
        return len(self.sequence) == 1

    @cached_property
    def lcd(self) -> int:
        return lcm(*(s.length.denominator for s in self.sequence))

    @cached_property
    def _all_picked(self) -> tuple[tuple[int, ...], ...]:
        lcd = self.lcd
        nums = [int(s.length * lcd) for s in self.sequence]
        order = sorted(range(len(nums)), key=lambda j: -nums[j])  # stable: ties keep sequence order
        chosen = [0] * len(nums)
        picked: list[list[int]] = [[] for _ in nums]
        for i in range(lcd):
            for pos, j in enumerate(order):
                num, den = chosen[pos] * lcd, nums[j]
                if i > num // den or (i == num // den and num % den == 0):
                    chosen[pos] += 1
                    picked[j].append(i)
                    break
        return tuple(tuple(p) for p in picked)

    @cached_property
    def picked(self) -> tuple[int, ...]:
        """Unit offsets in [0, lcd) this segment owns."""
        return self._all_picked[self.index]

    @cached_property
    def _picked_set(self) -> frozenset[int]:
        return frozenset(self.picked)

    def scale(self, value: int) -> int:
        """k6 ScaleInt: how many of the global units 0..value-1 this segment owns."""
        if self.is_full:
            return value
        whole, rem = divmod(value, self.lcd)
        return whole * len(self.picked) + sum(1 for x in self.picked if x < rem)

    def owns(self, unit: int) -> bool:
        return self.is_full or (unit % self.lcd) in self._picked_set

    def nth(self, n: int) -> int:
        """The global index of this segment's n-th (0-based) owned unit."""
        if self.is_full:
            return n
        cycle, k = divmod(n, len(self.picked))
        return cycle * self.lcd + self.picked[k]

    def owned(self, upto: int | None = None) -> Iterator[int]:
        """Owned global indexes in increasing order (below `upto` when given)."""
        if self.is_full:  # every index: no Python call per index (an arrival-rate starter takes one per arrival)
            return iter(range(upto)) if upto is not None else itertools.count()
        return self._owned(upto)

    def _owned(self, upto: int | None) -> Iterator[int]:
        n = 0
        while True:
            unit = self.nth(n)
            if upto is not None and unit >= upto:
                return
            yield unit
            n += 1

    def derived(self, value: int) -> Stripe | None:
        """The stripe on the sequence re-derived from how `value` units split (None: we got none).

        k6 builds it for shared-iterations (from the VUs) and arrival-rate executors (from maxVUs).
        """
        if value in self._cache:
            return self._cache[value]
        result: Stripe | None
        if self.is_full or value % self.lcd == 0:
            result = self
        else:
            segs: list[Segment] = []
            mine: int | None = None
            prev = 0
            for j in range(len(self.sequence)):
                v = Stripe(self.sequence, j).scale(value)
                if v == 0:
                    continue
                if j == self.index:
                    mine = len(segs)
                segs.append(Segment(Fraction(prev, value), Fraction(prev + v, value)))
                prev += v
            result = None if mine is None else Stripe(tuple(segs), mine)
        self._cache[value] = result
        return result

    def scale_fraction(self, value: Fraction) -> Fraction:
        """`value` × this segment's length (k6 InPlaceScaleRat, e.g. an arrival rate)."""
        return value * self.segment.length


FULL = Stripe((Segment(ZERO, ONE),), 0)


def resolve(segment: str | None = None, sequence: str | None = None) -> Stripe:
    """The stripe for `--execution-segment` / `--execution-segment-sequence`."""
    seg = parse_segment(segment)
    points = parse_sequence(sequence)
    if points is None:
        if seg.start == ZERO and seg.end == ONE:
            return FULL
        full = _fill([seg])
    else:
        full = _fill([Segment(a, b) for a, b in itertools.pairwise(points)])
    if seg not in full:
        raise ConfigError(
            f"the execution segment {seg} is not one of the segments of the sequence "
            f"{','.join(str(p) for p in [full[0].start, *(s.end for s in full)])}",
            key="--execution-segment",
        )
    return Stripe(full, full.index(seg))


SegmentArg = Stripe | str | None


def as_stripe(segment: SegmentArg) -> Stripe:
    """Accept a ready stripe, a segment string (no sequence) or None (the whole test)."""
    if isinstance(segment, Stripe):
        return segment
    return resolve(segment, None)
