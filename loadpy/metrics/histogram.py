"""Bucket counts of a Trend series past its exact store, dense per octave.

A bucket key is the top 22 bits of a value's IEEE-754 double (sign, exponent, 10 mantissa bits;
loadpy.metrics.sinks). The keys sharing their top 12 bits (sign and exponent: one octave of
values) are counted in one array of 1,024 counts, allocated when the octave is first touched:
8 KB an octave, never more than the octaves the values span (a millisecond timing: ~5-15). So a
long run's memory stops growing once its range has been seen, where a sparse {key: count} grew by
~100 bytes with every new tail bucket (benchmarks/README.md, "Soak").

Keys are counted in batches: a C-level Counter of the batch, then one add per distinct key. A
process merging many others' keys (the `--workers` coordinator) or running a long plan
(loadpy.engine.numpy_choice) counts with numpy instead (`use_numpy`): one bincount a batch, every key
counted in C, and a batch's min and max found in C (`extremes`). Both give the same figures.
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Mapping
from itertools import accumulate, chain, compress, repeat
from operator import add, rshift
from typing import Any

SHIFT = 42  # a value's key: its bits >> SHIFT (64 - (1 sign + 11 exponent + 10 mantissa))
OCTAVE_BITS = 10
OCTAVE_SIZE = 1 << OCTAVE_BITS
_LOW = OCTAVE_SIZE - 1
_SIGN_OCTAVE = 1 << 11  # octaves at or above this hold negative values
_ZEROS = bytes(8 * OCTAVE_SIZE)
# a value's high 32-bit word (little-endian: its bytes 4-7) holds its key in its top 22 bits
_LITTLE_ENDIAN = sys.byteorder == "little"
_WORD_KEY_SHIFT = SHIFT - 32
_WORD_OCTAVE_SHIFT = _WORD_KEY_SHIFT + OCTAVE_BITS
_CLEAR_LOW_2_BITS = bytes(i & ~3 for i in range(256))
assert _WORD_KEY_SHIFT == 10  # count_values clears a byte and two bits
# numpy's bincount covers at most this many octaves at once (more: np.unique, sparse)
_NUMPY_SPAN = 64

_np: Any = None  # numpy, once `use_numpy` imported it


def use_numpy(enabled: bool = True) -> bool:
    """Count with numpy from now on in this process, if it is installed (its import costs ~100 ms
    of CPU and ~14 MB of RSS: worth it only where many processes' keys are counted); whether it
    does. `enabled=False`: back to the standard library."""
    global _np
    if not enabled:
        _np = None
    elif _np is None:
        try:
            import numpy
        except ImportError:
            return False
        _np = numpy
    return _np is not None


def counting_with_numpy() -> bool:
    """Whether this process counts with numpy now (`use_numpy`)."""
    return _np is not None


def extremes(values: array) -> tuple[float, float]:
    """min(values), max(values) of a non-empty array('d'): with numpy, the first value equal to the
    least and to the greatest as well (argmin/argmax), so even the sign of a zero is min()'s and max()'s."""
    if _np is None:
        return min(values), max(values)
    view = _np.frombuffer(values, dtype=_np.float64)
    return values[int(view.argmin())], values[int(view.argmax())]


def bucket_body(values: array) -> array | dict[int, int]:
    """Trend values as a histogram receiving them counts them: each value's bucket key (an array,
    counted in C on arrival, ~0.1 µs a value) or, when keys repeat enough, {key: count} (a worker's
    deltas: ~165 ns a value with the standard library, ~40 with numpy; the same keys and counts)."""
    if _np is not None:
        keys = _np.frombuffer(values, dtype=_np.uint64) >> _np.uint64(SHIFT)
        distinct, counts = _np.unique(keys, return_counts=True)
        if len(distinct) * 4 <= len(keys):
            return dict(zip(distinct.tolist(), counts.tolist(), strict=True))
        every = array("Q")
        every.frombytes(keys.tobytes())
        return every
    with memoryview(values) as raw, raw.cast("B").cast("Q") as bits:
        every = array("Q", map(rshift, bits, repeat(SHIFT)))
    counted = Counter(every)
    return dict(counted) if len(counted) * 4 <= len(every) else every


class Histogram:
    """Bucket key -> count, as one array of counts per octave in use."""

    __slots__ = ("octaves",)

    def __init__(self) -> None:
        self.octaves: dict[int, array] = {}

    def _octave(self, number: int) -> array:
        counts = self.octaves.get(number)
        if counts is None:
            counts = self.octaves[number] = array("Q", _ZEROS)
        return counts

    # -- counting -----------------------------------------------------------------
    def add(self, key: int, count: int) -> None:
        self._octave(key >> OCTAVE_BITS)[key & _LOW] += count

    def add_counts(self, counts: Mapping[int, int]) -> None:
        """Add {key: count}."""
        octaves = self.octaves
        for key, count in counts.items():
            octave = octaves.get(key >> OCTAVE_BITS)
            if octave is None:
                octave = self._octave(key >> OCTAVE_BITS)
            octave[key & _LOW] += count

    def count_keys(self, keys: array) -> None:
        """Count an array('Q') of bucket keys."""
        if _np is not None:
            self._count_numpy(_np.frombuffer(keys, dtype=_np.uint64))
        else:
            self.add_counts(Counter(keys))

    def count_key_arrays(self, arrays: list[array]) -> None:
        """Count several arrays('Q') of bucket keys (many deltas' few keys each: one batch)."""
        if _np is not None:
            self._count_numpy(_np.frombuffer(b"".join(arrays), dtype=_np.uint64))
        else:
            self.add_counts(Counter(chain.from_iterable(arrays)))

    def count_values(self, values: array | bytes) -> None:
        """Count values (an array('d') or its bytes) into their buckets."""
        if _np is not None:
            self._count_numpy(_np.frombuffer(values, dtype=_np.uint64) >> _np.uint64(SHIFT))
            return
        if not _LITTLE_ENDIAN:
            with memoryview(values) as raw, raw.cast("B").cast("Q") as bits:
                self.add_counts(Counter(map(rshift, bits, repeat(SHIFT))))
            return
        # each value's high 32-bit word with its low 10 bits cleared is its key << 10: counted as it
        # is, without a shift per value (one C call and an int less per value: -24 % of the count)
        data = bytearray(values)
        data[4::8] = bytes(len(data) // 8)  # the high word's low byte
        data[5::8] = data[5::8].translate(_CLEAR_LOW_2_BITS)  # and the next byte's two low bits
        with memoryview(data) as raw, raw.cast("I") as words, words[1::2] as high:
            self._add_word_counts(Counter(high))

    def _add_word_counts(self, counts: Mapping[int, int]) -> None:
        """Add {key << 10: count} (`count_values`'s masked high words)."""
        octaves = self.octaves
        for word, count in counts.items():
            octave = octaves.get(word >> _WORD_OCTAVE_SHIFT)
            if octave is None:
                octave = self._octave(word >> _WORD_OCTAVE_SHIFT)
            octave[(word >> _WORD_KEY_SHIFT) & _LOW] += count

    def _count_numpy(self, keys: Any) -> None:
        np = _np
        if not len(keys):
            return
        octaves = keys >> np.uint64(OCTAVE_BITS)
        low, high = int(octaves.min()), int(octaves.max())
        if high - low >= _NUMPY_SPAN:  # a wide spread (signs mixed): count the distinct keys
            distinct, counts = np.unique(keys, return_counts=True)
            self.add_counts(dict(zip(distinct.tolist(), counts.tolist(), strict=True)))
            return
        offsets = (keys - np.uint64(low << OCTAVE_BITS)).astype(np.intp)
        table = np.bincount(offsets, minlength=(high - low + 1) << OCTAVE_BITS).reshape(-1, OCTAVE_SIZE)
        table = table.view(np.uint64)  # counts are never negative
        for row in np.flatnonzero(table.any(axis=1)).tolist():
            into = np.frombuffer(self._octave(low + row), dtype=np.uint64)
            np.add(into, table[row], out=into)

    def merge(self, other: Histogram) -> None:
        octaves = self.octaves
        for number, counts in other.octaves.items():
            mine = octaves.get(number)
            if mine is None:
                octaves[number] = counts[:]
            elif _np is not None:
                into = _np.frombuffer(mine, dtype=_np.uint64)
                _np.add(into, _np.frombuffer(counts, dtype=_np.uint64), out=into)
            else:
                mine[:] = array("Q", map(add, mine, counts))

    # -- reading ------------------------------------------------------------------
    def counts(self) -> dict[int, int]:
        """{key: count} of the buckets in use."""
        out: dict[int, int] = {}
        for number, counts in self.octaves.items():
            base = number << OCTAVE_BITS
            out.update(zip(compress(range(base, base + OCTAVE_SIZE), counts), filter(None, counts), strict=True))
        return out

    def ranked(self) -> tuple[list[int], list[int]]:
        """The keys in use in the order of their values, and their cumulative counts: bucket keys
        sort like their values for non-negative values, in reverse for negative ones."""
        keys: list[int] = []
        counts: list[int] = []
        octaves = self.octaves
        for number in sorted((n for n in octaves if n >= _SIGN_OCTAVE), reverse=True):
            base = number << OCTAVE_BITS
            backwards = octaves[number][::-1]
            keys.extend(compress(range(base + _LOW, base - 1, -1), backwards))
            counts.extend(filter(None, backwards))
        for number in sorted(n for n in octaves if n < _SIGN_OCTAVE):
            base = number << OCTAVE_BITS
            forwards = octaves[number]
            keys.extend(compress(range(base, base + OCTAVE_SIZE), forwards))
            counts.extend(filter(None, forwards))
        return keys, list(accumulate(counts))
