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

import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import chain, repeat
from operator import call, itemgetter
from typing import TYPE_CHECKING, Any

from loadpy.clock import wall_ns_many
from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import TagSet
from loadpy.outputs.base import BufferedOutput, Entry
from loadpy.outputs.files import TextSink
from loadpy.outputs.writer_child import WriterChild, blueprint

if TYPE_CHECKING:
    from loadpy.secrets import Masker

log = logging.getLogger("loadpy.outputs")

PIECES_PER_LINE = 4
_ONE = partial(repeat, times=1)  # a single sample's value as an iterable of one, in C
_COLUMNS = tuple(itemgetter(i) for i in range(5))  # an Entry's key, tags, value(s), time, metadata


def _by_distinct(keys: Sequence[Any], compute: Callable[[list[Any]], list[bytes]]) -> list[bytes]:
    """`compute` of each distinct key once, handed back per key: single samples of one request share
    their time, and formatting a time costs more than finding it again."""
    distinct = list(dict.fromkeys(keys))
    if len(distinct) == len(keys):
        return compute(distinct)
    found = dict(zip(distinct, compute(distinct), strict=True))
    return list(map(found.__getitem__, keys))


class ColumnarOutput(BufferedOutput):
    """A BufferedOutput whose lines are prefix(metric) + time(entry) + value(sample) + tail(entry).

    A file is formatted and written by a writer child (`loadpy.outputs.writer_child`) when `offload`
    says so and the file can be handed over (not stdout, whose lines must stay ordered with the
    summary's; not a gzip stream begun at open: csv.gz's header); else in this process."""

    # None: a child when this process may run on more than one CPU. On one CPU the child only moves
    # the work, and the whole tree pays more than it saves (unmarshalling, its start): benchmarks/README.md,
    # "Outputs, round 5". True / False force it (benchmarks, tests).
    offload: bool | None = None

    def __init__(self) -> None:
        super().__init__()
        self._file: TextSink | None = None
        self._child: WriterChild | None = None
        # an entry's key (the id of a group's metrics tuple or of a single sample's Metric, resolved
        # through `shapes`) -> its line prefixes
        self._prefixes: dict[int, list[bytes]] = {}
        self._counts: dict[int, int] = {}  # the same ids -> lines per entry
        self._singles: dict[int, Metric] = {}  # the ids of single samples (their value is not a tuple)
        self._getters: dict[int, Callable[[Any], Iterable[Any]]] = {}  # the same ids -> an entry's values
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

    def _constructor_args(self) -> tuple[Any, ...]:
        """What `type(self)(*args)` needs to rebuild this output in the writer child (its settings)."""
        raise NotImplementedError

    # -- where the file is written ---------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            super().start()  # the file opens here (csv: its header), so a failure is the run's bad input
            fd = self._file.handover() if self._offloads() and self._file is not None else None
            if fd is not None:
                assert self._file is not None
                try:
                    self._child = WriterChild(fd, blueprint(self, self._constructor_args(), fd))
                except OSError as exc:  # no process to spare (EAGAIN, ENOMEM): this process writes the file
                    log.warning("writing %s in this process: its writer process did not start (%s)", self.path, exc)
                    return
                self._file.release()

    def _offloads(self) -> bool:
        if self.offload is not None:
            return self.offload
        if getattr(sys, "frozen", False):  # a bundled executable: sys.executable is not a Python to start
            return False
        return len(os.sched_getaffinity(0)) > 1 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) > 1

    @property
    def writer_pid(self) -> int | None:
        """The writer child's process id, None when this process writes the file."""
        return self._child.pid if self._child is not None else None

    def adopt(self, fd: int, path: str, masker: Masker | None) -> None:
        """In the writer child: write the file the parent opened (descriptor `fd`) from here on."""
        self.path = path
        self.masker = masker
        self._file = TextSink(path, open(fd, "wb"))  # noqa: SIM115 - closed in close_file()
        self._started = True

    def close_file(self) -> None:
        if self._file is not None:
            self._file.close()

    def _write_entries(self, batch: list[Entry]) -> None:
        if self._child is not None:
            self._child.send(batch, self.shapes)
        else:
            self.write_batch(batch)

    def _close(self) -> None:
        if self._child is not None:
            self._child.close()
        else:
            self.close_file()

    # -- the batch ---------------------------------------------------------------
    def write_batch(self, batch: list[Entry]) -> None:
        """Format `batch` and write it to the file (in this process, or in the writer child)."""
        assert self._file is not None
        # the batch's columns (zip(*batch) would make an iterator per entry: twice the cost)
        ids, tagss, valuess, whens, metas = (list(map(column, batch)) for column in _COLUMNS)
        prefixes = self._prefixes
        distinct = set(ids)
        new = distinct.difference(prefixes)
        if new:
            announced = self._learn_shapes(new, ids)
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
            self._insert_announcements(pieces, announced, ids, counts)
        self._file.write_bytes(b"".join(pieces))
        self._file.flush()

    def _learn_shapes(self, new: set[int], ids: list[int]) -> dict[Metric, bytes]:
        """Cache the prefixes of entries seen for the first time; what to announce for their metrics."""
        metrics: list[Metric] = []
        for key in sorted(new, key=ids.index):
            shape = self.shapes[key]
            group: tuple[Metric, ...] = shape if isinstance(shape, tuple) else (shape,)
            self._getters[key] = iter if isinstance(shape, tuple) else _ONE
            if not isinstance(shape, tuple):
                self._singles[key] = shape
            self._prefixes[key] = [self._prefix(metric) for metric in group]
            self._counts[key] = len(group)
            metrics.extend(group)
        return self._announce(list(dict.fromkeys(metrics)))

    def _insert_announcements(
        self,
        pieces: list[bytes],
        announced: dict[Metric, bytes],
        ids: list[int],
        counts: list[int],
    ) -> None:
        """Put each announcement before its metric's first line of the batch (its prefix piece)."""
        line = 0
        remaining = dict(announced)
        for key, count in zip(ids, counts, strict=True):
            if remaining:
                shape = self.shapes[key]
                group = shape if isinstance(shape, tuple) else (shape,)
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
