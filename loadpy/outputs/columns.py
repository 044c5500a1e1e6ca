"""Line outputs (json, csv) formatted a whole batch at a time, column by column.

Every line these formats write is four pieces: a prefix fixed per metric (its name), a text per
entry (one request's samples share their time), the value, and a tail per entry (tags, metadata
and the line end). `ColumnarOutput._write_entries` builds each column for the whole 200 ms batch
with C-level passes (`map`, `chain`, `repeat`, `orjson`, slice assignment) and joins the pieces
once, so no Python code runs per sample and only a dict lookup or two per entry: the Python-level
line loop (~0.4 µs a sample) was most of what `--out json` cost (benchmarks/README.md, "Outputs,
round 4"). Lines stay in emission order, as k6 writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import chain, repeat
from operator import call, itemgetter
from typing import Any

from loadpy.clock import wall_ns_many
from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import TagSet
from loadpy.outputs.base import BufferedOutput, Entry
from loadpy.outputs.files import TextSink

PIECES_PER_LINE = 4
_ONE = partial(repeat, times=1)  # a single sample's value as an iterable of one, in C
_COLUMNS = tuple(itemgetter(i) for i in range(5))  # an Entry's first, tags, value(s), time, metadata


def _by_distinct(keys: Sequence[Any], compute: Callable[[list[Any]], list[bytes]]) -> list[bytes]:
    """`compute` of each distinct key once, handed back per key: single samples of one request share
    their time, and formatting a time costs more than finding it again."""
    distinct = list(dict.fromkeys(keys))
    if len(distinct) == len(keys):
        return compute(distinct)
    found = dict(zip(distinct, compute(distinct), strict=True))
    return list(map(found.__getitem__, keys))


class ColumnarOutput(BufferedOutput):
    """A BufferedOutput whose lines are prefix(metric) + time(entry) + value(sample) + tail(entry)."""

    def __init__(self) -> None:
        super().__init__()
        self._file: TextSink | None = None
        # id(a group's metrics tuple, or a single sample's Metric) -> its line prefixes; the object is
        # kept in _keep so its id stays its own (both live for the whole run: emit_many's contract)
        self._prefixes: dict[int, list[bytes]] = {}
        self._counts: dict[int, int] = {}  # the same ids -> lines per entry
        self._singles: dict[int, Metric] = {}  # the ids of single samples (their value is not a tuple)
        self._getters: dict[int, Callable[[Any], Iterable[Any]]] = {}  # the same ids -> an entry's values
        self._keep: list[object] = []
        self._tails: dict[TagSet, bytes] = {}  # the tail of an entry without metadata, per tag set

    # -- for subclasses ----------------------------------------------------------
    def _prefix(self, metric: Metric) -> bytes:
        """The start of a line of `metric`, up to its time text."""
        raise NotImplementedError

    def _times(self, origin: int, ns: list[int]) -> list[bytes]:
        """Each entry's time text (`origin` + ns: Unix nanoseconds, `wall_ns_many`), up to its value."""
        raise NotImplementedError

    def _tail(self, tags: TagSet, metadata: dict[str, str] | None) -> bytes:
        """What follows the value: tags, metadata, the line end."""
        raise NotImplementedError

    def _values(self, values: list[Any]) -> list[bytes]:
        """The text of every value, in order."""
        raise NotImplementedError

    def _announce(self, metrics: Sequence[Metric]) -> dict[Metric, bytes]:
        """Text to write before the first line of each metric new in this batch (json: its Metric line)."""
        return {}

    # -- the batch ---------------------------------------------------------------
    def _write_entries(self, batch: list[Entry]) -> None:
        assert self._file is not None
        # the batch's columns (zip(*batch) would make an iterator per entry: twice the cost)
        firsts, tagss, valuess, whens, metas = (list(map(column, batch)) for column in _COLUMNS)
        ids = list(map(id, firsts))
        prefixes = self._prefixes
        distinct = set(ids)
        new = distinct.difference(prefixes)
        if new:
            announced = self._learn_shapes(new, ids, firsts)
        counts = list(map(self._counts.__getitem__, ids))
        times = _by_distinct(whens, lambda distinct: self._times(*wall_ns_many(distinct)))
        tails = self._entry_tails(tagss, metas)
        lines = sum(counts)
        if self._singles.keys() >= distinct:  # single samples only (the --workers coordinator's): a line an entry
            flat = list(valuess)
        else:
            # each entry's time and tail once per line of it
            times = list(chain.from_iterable(map(repeat, times, counts)))
            tails = list(chain.from_iterable(map(repeat, tails, counts)))
            if self._singles.keys().isdisjoint(distinct):
                flat = list(chain.from_iterable(valuess))
            else:  # one getter per entry: the group's tuple itself, or a single value made one
                flat = list(chain.from_iterable(map(call, map(self._getters.__getitem__, ids), valuess)))
        pieces: list[bytes] = [b""] * (PIECES_PER_LINE * lines)
        pieces[0::PIECES_PER_LINE] = list(chain.from_iterable(map(prefixes.__getitem__, ids)))
        pieces[1::PIECES_PER_LINE] = times
        pieces[2::PIECES_PER_LINE] = self._values(flat)
        pieces[3::PIECES_PER_LINE] = tails
        if new and announced:
            self._insert_announcements(pieces, announced, firsts, counts)
        self._file.write_bytes(b"".join(pieces))
        self._file.flush()

    def _learn_shapes(self, new: set[int], ids: list[int], firsts: Sequence[Any]) -> dict[Metric, bytes]:
        """Cache the prefixes of entries seen for the first time; what to announce for their metrics."""
        metrics: list[Metric] = []
        for index in sorted(ids.index(i) for i in new):
            first = firsts[index]
            group: tuple[Metric, ...] = first if first.__class__ is tuple else (first,)
            self._getters[id(first)] = iter if first.__class__ is tuple else _ONE
            if first.__class__ is not tuple:
                self._singles[id(first)] = first
            self._keep.append(first)
            self._prefixes[id(first)] = [self._prefix(metric) for metric in group]
            self._counts[id(first)] = len(group)
            metrics.extend(group)
        return self._announce(list(dict.fromkeys(metrics)))

    def _insert_announcements(
        self,
        pieces: list[bytes],
        announced: dict[Metric, bytes],
        firsts: Sequence[Any],
        counts: list[int],
    ) -> None:
        """Put each announcement before its metric's first line of the batch (its prefix piece)."""
        line = 0
        remaining = dict(announced)
        for first, count in zip(firsts, counts, strict=True):
            if remaining:
                group = first if first.__class__ is tuple else (first,)
                for offset, metric in enumerate(group):
                    text = remaining.pop(metric, None)
                    if text is not None:
                        at = PIECES_PER_LINE * (line + offset)
                        pieces[at] = text + pieces[at]
            else:
                return
            line += count

    def _entry_tails(self, tagss: Sequence[TagSet], metas: Sequence[dict[str, str] | None]) -> list[bytes]:
        """Each entry's tail: cached per tag set (looked up once per tag set object of the batch: hashing
        a tag set costs more than its id); an entry with metadata gets its own."""
        tag_ids = list(map(id, tagss))
        tails = self._tails
        by_id: dict[int, bytes] = {}
        for key, tags in dict(zip(tag_ids, tagss, strict=True)).items():
            tail = tails.get(tags)
            if tail is None:
                tail = tails[tags] = self._tail(tags, None)
            by_id[key] = tail
        out = list(map(by_id.__getitem__, tag_ids))
        if any(metas):
            for index, meta in enumerate(metas):
                if meta:
                    out[index] = self._tail(tagss[index], meta)
        return out

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
