"""A sort key approximating JavaScript's `localeCompare` (Unicode root collation) for the
ASCII text of metric names: punctuation < digits < letters, letters case-insensitive
first, lower case before upper case on ties. k6 sorts summary metrics this way, which
differs from byte order (e.g. `a_b` sorts before `a1`)."""

from __future__ import annotations

from loadpy.metrics.selectors import split_metric_name

# Root-collation order of ASCII punctuation and symbols (all sort before digits).
_PUNCTUATION = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
_RANK = {ch: i for i, ch in enumerate(_PUNCTUATION)}
_DIGIT_BASE = len(_PUNCTUATION)
_LETTER_BASE = _DIGIT_BASE + 10


def _primary(ch: str) -> int:
    if ch in _RANK:
        return _RANK[ch]
    if ch.isdigit() and ch.isascii():
        return _DIGIT_BASE + int(ch)
    if ch.isascii() and ch.isalpha():
        return _LETTER_BASE + ord(ch.lower()) - ord("a")
    return _LETTER_BASE + 26 + ord(ch)


def locale_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return tuple(_primary(c) for c in text), tuple(1 if c.isupper() else 0 for c in text)


def metric_sort_key(name: str) -> tuple[object, ...]:
    """k6's sortMetricsByName: by parent name, then the submetric suffix (parent first)."""
    parent, selector = split_metric_name(name)
    return locale_key(parent), locale_key(selector)
