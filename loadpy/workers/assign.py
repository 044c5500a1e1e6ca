"""Segment assignment: N equal execution segments whose union is the whole test.

All N share one execution-segment sequence, so k6's striping hands out VUs and
iterations so that the N segments together make exactly the load of one process.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Assignment:
    index: int  # 0-based
    segment: str  # "--execution-segment" value, e.g. "1/3:2/3"
    sequence: str  # "--execution-segment-sequence" value shared by all, e.g. "0,1/3,2/3,1"


def _text(point: Fraction) -> str:
    return str(point.numerator) if point.denominator == 1 else f"{point.numerator}/{point.denominator}"


def worker_segments(count: int) -> list[Assignment]:
    """The i/N:(i+1)/N segments of N workers, with the sequence 0,1/N,...,1."""
    if count < 1:
        raise ValueError(f"worker count must be at least 1, got {count}")
    points = [Fraction(i, count) for i in range(count + 1)]
    sequence = ",".join(_text(p) for p in points)
    return [Assignment(i, f"{_text(points[i])}:{_text(points[i + 1])}", sequence) for i in range(count)]
